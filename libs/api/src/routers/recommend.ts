import { TRPCError } from '@trpc/server';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ClusterName } from '@palisade/contracts';
import { applyResources, deleteResources, getResource } from '@palisade/domain';
import { distinctFlows } from '@palisade/flow-store';
import { promoted, PromoteError, recommend } from '@palisade/recommend';
import { SelectorParseError, type Resource } from '@palisade/engine';
import { authorizeWrite, type Principal } from '../authz/roles.js';
import { stateFor } from '../state/cluster.js';
import { authedProcedure, heavyProcedure, router } from '../trpc.js';
import { KEY, REASON } from './inputs.js';

const guard = (principal: Principal) => (after: Resource | null, before: Resource | null) => {
  const decision = authorizeWrite(principal, after, before);
  if (!decision.allowed) throw new TRPCError({ code: 'FORBIDDEN', message: decision.reason });
};

const NAMESPACE = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name')
  .max(63);

export const recommendRouter = router({
  /**
   * Least-privilege staged policies for a namespace (or a label-selected group in it) from the
   * flows recorded over a window; nothing is written.
   */
  generate: heavyProcedure
    .input(
      z
        .object({
          namespace: NAMESPACE,
          selector: z.string().max(1_024).optional(),
          /** The window: this many minutes up to `until` (default now). */
          windowMinutes: z
            .number()
            .int()
            .min(1)
            .max(7 * 24 * 60)
            .default(60),
          until: z.iso.datetime({ offset: true }).optional(),
          cluster: ClusterName.optional(),
          widenPorts: z.boolean().default(false),
          /** Also allow conversations that policy denied in the window (by default only what was allowed is). */
          includeDenied: z.boolean().default(false),
          tier: z.string().max(63).optional(),
        })
        .strict(),
    )
    .query(async ({ ctx, input }) => {
      const until = input.until ? new Date(input.until) : new Date();
      const since = new Date(until.getTime() - input.windowMinutes * 60_000);
      const scope = { namespace: input.namespace, since, until, ...(input.cluster ? { cluster: input.cluster } : {}) };
      const { flows, truncated } = await distinctFlows(ctx.db, { ...scope, ...(input.includeDenied ? {} : { action: 'Allow' as const }) });
      // What was denied is left out unless asked for: say how much, so a user can decide.
      const deniedConversations = input.includeDenied ? 0 : (await distinctFlows(ctx.db, { ...scope, action: 'Deny', limit: 10_000 })).flows.length;
      // With a cluster, its agents' endpoints are the workloads (and the flows' ends) to simulate.
      const { state, position } = await stateFor(ctx, input.cluster);
      const endpoints = [...state.endpoints.values()].filter((e) => e.kind === 'workload' && e.namespace === input.namespace);
      try {
        const result = recommend({ namespace: input.namespace, selector: input.selector, endpoints, flows, widen: { ports: input.widenPorts }, tier: input.tier, includeDenied: input.includeDenied });
        // The recorded conversations as flows to check the recommendation against (preview, pending verdicts).
        // A side is the endpoint when the state still holds it (a pod gone since cannot be simulated), else its address.
        const side = (e: { namespace: string | null; name: string | null; ip: string | null }) =>
          e.name && e.namespace && state.endpoints.has(`${e.namespace}/${e.name}`) ? `${e.namespace}/${e.name}` : e.ip;
        const probes = flows
          .map((f) => ({ from: side(f.source), to: side(f.destination), protocol: f.protocol, ...(f.port ? { port: f.port } : {}) }))
          .filter((p): p is { from: string; to: string; protocol: string; port?: number } => !!p.from && !!p.to)
          .slice(0, 1_000);
        return { ...result, position, window: { since: since.toISOString(), until: until.toISOString() }, truncated, deniedConversations, probes };
      } catch (error) {
        // The only input the recommender parses itself is the selector.
        if (error instanceof SelectorParseError) throw new TRPCError({ code: 'BAD_REQUEST', message: `selector: ${error.message}` });
        throw error;
      }
    }),

  /**
   * Staged policies made enforced: each becomes the policy it stands for (a staged Delete deletes
   * it), and the staged ones are removed, as one correlated change of the caller's.
   */
  promote: authedProcedure.input(z.object({ keys: z.array(KEY).min(1).max(500), reason: REASON.optional() }).strict()).mutation(async ({ ctx, input }) => {
    const correlationId = randomUUID();
    const meta = { actor: ctx.principal.actor, correlationId, ...(input.reason ? { reason: input.reason } : {}) };
    const upserts: unknown[] = [];
    const deletes: string[] = [];
    const versions: Record<string, number> = {};
    for (const key of input.keys) {
      const stored = await getResource(ctx.db, key);
      try {
        const next = promoted(stored.resource as never);
        if ('resource' in next) upserts.push(next.resource);
        // A staged Delete of a policy that is gone already: say so before anything is written.
        else deletes.push((await getResource(ctx.db, next.deletes)).key);
      } catch (error) {
        if (error instanceof PromoteError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
        throw error;
      }
      versions[key] = stored.version;
    }
    const authorize = guard(ctx.principal);
    const applied = upserts.length ? await applyResources(ctx.db, upserts, meta, { authorize }) : undefined;
    // The staged ones go only if nobody changed them since they were read: the promotion was of what was read.
    const removed = await deleteResources(ctx.db, [...deletes, ...input.keys], meta, { authorize, expectedVersions: versions });
    return { correlationId, changes: [...(applied?.changes ?? []), ...removed.changes] };
  }),
});
