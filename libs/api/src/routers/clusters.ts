import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { AgentJoinRequest, ClusterName, NodeName, type AgentStatus } from '@palisade/contracts';
import {
  checkJoinToken,
  clusterView,
  createJoinToken,
  recordAgentJoin,
  revokeAgentCredentials,
  revokedAgentKeys,
  JOIN_TOKEN_HOURS,
  listClusters,
  listJoinTokens,
  registerCluster,
  revokeJoinToken,
  setDesiredRelease,
  type ClusterSummary,
} from '@palisade/domain';
import { authedProcedure, publicProcedure, requiring, router } from '../trpc.js';
import { REASON } from './inputs.js';

const Labels = z.record(z.string().max(317), z.string().max(63)).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');

export const clustersRouter = router({
  /** Registers a cluster, or changes its labels (waves pick clusters by label). */
  register: requiring('cluster:manage')
    .input(z.object({ name: ClusterName, labels: Labels.default({}), reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) => registerCluster(ctx.db, input.name, input.labels, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) })),

  /**
   * The release a cluster should run: its agents converge to it (admins by hand now; rollouts
   * will set it wave by wave). A release by its hash or a unique prefix of it.
   */
  setRelease: requiring('cluster:manage')
    .input(z.object({ name: ClusterName, release: z.string().min(1).max(64), reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) =>
      setDesiredRelease(ctx.db, input.name, input.release, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) }, ctx.trace ? { trace: ctx.trace } : {}),
    ),

  /** A token the cluster's agents join with (shown once, expiring): admins only. */
  joinToken: requiring('cluster:manage')
    .input(z.object({ name: ClusterName, expiresInHours: z.number().int().min(1).max(JOIN_TOKEN_HOURS.max).default(JOIN_TOKEN_HOURS.default), reason: REASON.optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      const { token, info } = await createJoinToken(ctx.db, input.name, { expiresInHours: input.expiresInHours }, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) });
      return { token, id: info.id, cluster: info.cluster, expiresAt: info.expiresAt.toISOString() };
    }),

  /** Join tokens (never their secrets), of one cluster or all. */
  joinTokens: requiring('cluster:manage')
    .input(z.object({ name: ClusterName.optional() }).strict().default({}))
    .query(async ({ ctx, input }) =>
      (await listJoinTokens(ctx.db, input.name)).map((t) => ({ ...t, createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null })),
    ),

  revokeJoinToken: requiring('cluster:manage')
    .input(z.object({ id: z.string().regex(/^[0-9a-f]{12}$/, 'a join token id (12 hex digits)'), reason: REASON.optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      await revokeJoinToken(ctx.db, input.id, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) });
      return { revoked: input.id };
    }),

  /**
   * The endpoints a cluster's agents report (workload and host endpoints with their node, IPs and
   * labels), as the agents resolve selectors with them.
   */
  endpoints: authedProcedure.input(z.object({ name: ClusterName, namespace: z.string().min(1).max(253).optional() }).strict()).query(async ({ ctx, input }) => {
    if (!ctx.inventory) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: "this gateway has no connection to the agents' inventory (NATS)" });
    if (!(await clusterView(ctx.db, input.name))) throw new TRPCError({ code: 'NOT_FOUND', message: `no cluster ${input.name}` });
    const nodes = await ctx.inventory(input.name);
    return nodes.flatMap((n) =>
      n.resources
        .filter((r) => (r.kind === 'WorkloadEndpoint' || r.kind === 'HostEndpoint') && (!input.namespace || r.metadata.namespace === input.namespace))
        .map((resource) => ({ node: n.node, reportedAt: n.at, resource })),
    );
  }),

  /** Every cluster with its desired and observed release, and its agents as last heard from. */
  list: authedProcedure.query(async ({ ctx }) => {
    const agents = ctx.agents?.() ?? [];
    return (await listClusters(ctx.db)).map((c) => summary(c, agents));
  }),

  /**
   * One cluster: what `list` says of it, its desired and observed release read from its event
   * stream (current even before the read model catches up), and each node's state.
   */
  get: authedProcedure.input(z.object({ name: ClusterName }).strict()).query(async ({ ctx, input }) => {
    const view = await clusterView(ctx.db, input.name);
    if (!view) throw new TRPCError({ code: 'NOT_FOUND', message: `no cluster ${input.name}` });
    const row = (await listClusters(ctx.db)).find((c) => c.name === input.name);
    const agents = (ctx.agents?.() ?? []).filter((a) => a.cluster === input.name);
    const base = summary(
      {
        name: view.name,
        labels: view.labels,
        desiredRelease: view.desiredRelease,
        observedRelease: view.observedRelease,
        observedAt: row?.observedAt ?? null,
        updatedAt: row?.updatedAt ?? new Date(),
      },
      agents,
    );
    return {
      ...base,
      nodes: agents.map((a) => ({
        node: a.node,
        state: a.state,
        release: a.release,
        version: a.agentVersion,
        lastError: a.lastError,
        lastDrift: a.lastDrift,
        heartbeatAgeSeconds: a.heartbeatAgeSeconds,
      })),
    };
  }),
});

/** A cluster as `list` shows it. */
function summary(c: ClusterSummary, agents: AgentStatus[]) {
  const mine = agents.filter((a) => a.cluster === c.name);
  return {
    name: c.name,
    labels: c.labels,
    desiredRelease: c.desiredRelease,
    observedRelease: c.observedRelease,
    observedAt: c.observedAt?.toISOString() ?? null,
    updatedAt: c.updatedAt.toISOString(),
    inSync: c.desiredRelease !== null && c.desiredRelease === c.observedRelease,
    agents: { total: mine.length, alive: mine.filter((a) => a.alive).length },
  };
}

export const agentsRouter = router({
  /** Agents that sent a heartbeat since the gateway started, with whether they are still alive. */
  list: authedProcedure
    .input(z.object({ cluster: ClusterName.optional() }).strict().default({}))
    .query(({ ctx, input }) => (ctx.agents?.() ?? []).filter((a) => !input.cluster || a.cluster === input.cluster)),

  /**
   * An agent's first call: its cluster's join token for credentials of its own, bound to its
   * cluster and node (the token is the authentication; no API token is involved). Every invalid
   * token gets the same answer, so the caller learns nothing about which tokens exist.
   */
  join: publicProcedure.input(AgentJoinRequest).mutation(async ({ ctx, input }) => {
    if (!ctx.db || !ctx.agentIssuer) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'this gateway does not admit agents (no event store or NATS issuer)' });
    const admitted = await checkJoinToken(ctx.db, input.token);
    if (!admitted) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'the join token is not valid: unknown, expired or revoked (create one with `palisade cluster join-token CLUSTER`)' });
    const { credentials, userKey } = await ctx.agentIssuer.issue(admitted.cluster, input.node);
    await recordAgentJoin(ctx.db, { cluster: admitted.cluster, node: input.node, joinTokenId: admitted.id, userKey, issuedAt: new Date(credentials.issuedAt) });
    return credentials;
  }),

  /**
   * Cuts a node off: every credential it was issued is revoked and NATS is told at once (its
   * connections close; it cannot connect again with them). It can join again only with a valid
   * join token, so revoke the token too to keep a compromised node out.
   */
  revoke: requiring('cluster:manage')
    .input(z.object({ cluster: ClusterName, node: NodeName, reason: REASON.optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      const keys = await revokeAgentCredentials(ctx.db, input.cluster, input.node, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) });
      // The rows are the truth; should NATS be away now, the gateway pushes the list again until it lands.
      const pushed = await (ctx.agentIssuer?.publishRevocations(await revokedAgentKeys(ctx.db)) ?? Promise.reject(new Error('this gateway has no NATS issuer'))).then(
        () => ({ pushedToNats: true as const }),
        (error: unknown) => ({ pushedToNats: false as const, natsError: (error as Error).message }),
      );
      return { cluster: input.cluster, node: input.node, revokedKeys: keys.length, ...pushed };
    }),
});
