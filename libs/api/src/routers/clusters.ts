import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ClusterName } from '@palisade/contracts';
import { clusterView, registerCluster } from '@palisade/event-store';
import { authedProcedure, requiring, router } from '../trpc.js';
import { mapped } from './errors.js';
import { REASON } from './inputs.js';

const Labels = z.record(z.string().max(317), z.string().max(63)).refine((l) => Object.keys(l).length <= 64, 'at most 64 labels');

export const clustersRouter = router({
  /** Registers a cluster, or changes its labels (waves select clusters by label). */
  register: requiring('cluster:manage')
    .input(z.object({ name: ClusterName, labels: Labels.default({}), reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) => mapped(() => registerCluster(ctx.db, input.name, input.labels, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) }))),

  /** Every cluster with its desired and observed release, and its agents as last heard from. */
  list: authedProcedure.query(({ ctx }) =>
    mapped(async () => {
      const rows = await ctx.db.$queryRaw<{ name: string; labels: Record<string, string>; desired_release: string | null; observed_release: string | null; observed_at: Date | null; updated_at: Date }[]>`
        SELECT name, labels, desired_release, observed_release, observed_at, updated_at FROM clusters ORDER BY name`;
      const agents = ctx.agents?.() ?? [];
      return rows.map((r) => {
        const mine = agents.filter((a) => a.cluster === r.name);
        return {
          name: r.name,
          labels: r.labels,
          desiredRelease: r.desired_release,
          observedRelease: r.observed_release,
          observedAt: r.observed_at?.toISOString() ?? null,
          updatedAt: r.updated_at.toISOString(),
          inSync: r.desired_release !== null && r.desired_release === r.observed_release,
          agents: { total: mine.length, alive: mine.filter((a) => a.alive).length },
        };
      });
    }),
  ),

  /** One cluster, read from its event stream (current even before the projection catches up). */
  get: authedProcedure.input(z.object({ name: ClusterName }).strict()).query(({ ctx, input }) =>
    mapped(async () => {
      const view = await clusterView(ctx.db, input.name);
      if (!view) throw new TRPCError({ code: 'NOT_FOUND', message: `no cluster ${input.name}` });
      return { ...view, agents: (ctx.agents?.() ?? []).filter((a) => a.cluster === input.name) };
    }),
  ),
});

export const agentsRouter = router({
  /** Agents that sent a heartbeat since the gateway started, with whether they are still alive. */
  list: authedProcedure.input(z.object({ cluster: ClusterName.optional() }).strict().default({})).query(({ ctx, input }) => (ctx.agents?.() ?? []).filter((a) => !input.cluster || a.cluster === input.cluster)),
});
