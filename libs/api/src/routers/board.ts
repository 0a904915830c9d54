import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { ClusterState, effectivePolicy, type Endpoint, type PolicyInfo } from '@palisade/engine';
import { lastChanges, positionOf, resourcesAsOf } from '@palisade/domain';
import { ClusterName } from '@palisade/contracts';
import { stateFor } from '../state/cluster.js';
import { currentState } from '../state/current.js';
import { authedProcedure, heavyProcedure, router } from '../trpc.js';
import type { DbClient, HorizonNotifier } from '@palisade/event-store';
import { boardRow, matchesFilter, POLICY_KINDS, type PolicyFilter } from './board-rows.js';

/** The console's views of the policy set: the board, endpoints and what applies to each. */

const AtInput = z.union([z.object({ position: z.number().int().min(0) }).strict(), z.object({ time: z.iso.datetime({ offset: true }) }).strict()]);

const Filter = z
  .object({
    namespace: z.string().max(253).optional(),
    /** "key=value" pairs, comma-separated: policies labelled so, or whose selector picks endpoints labelled so. */
    label: z.string().max(1_024).optional(),
    kind: z.enum(POLICY_KINDS).optional(),
    text: z.string().max(256).optional(),
  })
  .strict();

/** The state now, or as it stood at a position or time (the board's time travel). */
async function stateAt(db: DbClient, horizon: HorizonNotifier | undefined, at: z.infer<typeof AtInput> | undefined): Promise<{ state: ClusterState; position: number; past: boolean }> {
  if (!at) {
    const current = await currentState(db, horizon);
    return { ...current, past: false };
  }
  const position = await positionOf(db, 'position' in at ? { position: at.position } : { time: new Date(at.time) });
  const resources = await resourcesAsOf(db, { position });
  return { state: ClusterState.from([...resources.values()]), position, past: true };
}

/** An endpoint as the console lists it. */
const endpointView = (e: Endpoint) => ({ id: e.id, kind: e.kind, name: e.name, namespace: e.namespace ?? null, node: e.node ?? null, ips: e.ips.map((ip) => ip.text), labels: e.labels });

export const boardRouter = router({
  /**
   * Tiers in evaluation order with every policy in each, in Calico's order (tier, order, then
   * name; unset order last), filtered, a page at a time, each with its last change.
   */
  policies: heavyProcedure
    .input(
      z
        .object({
          at: AtInput.optional(),
          filter: Filter.default({}),
          offset: z.number().int().min(0).default(0),
          limit: z.number().int().min(1).max(500).default(100),
        })
        .strict(),
    )
    .query(async ({ ctx, input }) => {
      const { state, position, past } = await stateAt(ctx.db, ctx.horizon, input.at);
      const filter: PolicyFilter = input.filter;
      const matching = state.policies.filter((p) => matchesFilter(state, p, filter));
      const counts = new Map<string, number>();
      for (const p of matching) counts.set(p.tier, (counts.get(p.tier) ?? 0) + 1);
      const page: PolicyInfo[] = matching.slice(input.offset, input.offset + input.limit);
      const changes = await lastChanges(
        ctx.db,
        page.map((p) => p.id),
        past ? position : undefined,
      );
      return {
        position,
        total: matching.length,
        offset: input.offset,
        tiers: state.tiers.map((t) => ({ name: t.name, order: t.order ?? null, defaultAction: t.defaultAction, policies: counts.get(t.name) ?? 0 })),
        rows: page.map((p) => {
          const change = changes.get(p.id);
          return { ...boardRow(state, p), lastChange: change ? { version: change.version, actor: change.actor, at: change.at.toISOString(), reason: change.reason } : null };
        }),
      };
    }),

  /** Workload and host endpoints with their labels, filtered by text (name, label, IP) and namespace. */
  endpoints: authedProcedure
    .input(
      z
        .object({ text: z.string().max(256).optional(), namespace: z.string().max(253).optional(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(500).default(100) })
        .strict(),
    )
    .query(async ({ ctx, input }) => {
      const { state, position } = await currentState(ctx.db, ctx.horizon);
      const text = input.text?.trim().toLowerCase();
      const all = [...state.endpoints.values()]
        .filter((e) => !input.namespace || e.namespace === input.namespace)
        .filter((e) => !text || e.id.toLowerCase().includes(text) || e.ips.some((ip) => ip.text.includes(text)) || Object.entries(e.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(text)))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return {
        position,
        total: all.length,
        endpoints: all.slice(input.offset, input.offset + input.limit).map(endpointView),
      };
    }),

  /** Which tiers, policies and rules apply to one endpoint, ingress and egress, as the evaluator walks them. */
  effective: authedProcedure.input(z.object({ endpoint: z.string().min(1).max(512) }).strict()).query(async ({ ctx, input }) => {
    const { state, position } = await currentState(ctx.db, ctx.horizon);
    const effective = effectivePolicy(state, input.endpoint);
    if (!effective) throw new TRPCError({ code: 'NOT_FOUND', message: `no endpoint ${input.endpoint} (use namespace/pod or hep:<node>/<name>)` });
    const { endpoint, ...rest } = effective;
    return {
      position,
      endpoint: {
        id: endpoint.id,
        kind: endpoint.kind,
        name: endpoint.name,
        namespace: endpoint.namespace ?? null,
        node: endpoint.node ?? null,
        ips: endpoint.ips.map((ip) => ip.text),
        labels: endpoint.labels,
      },
      ...rest,
    };
  }),

  /**
   * Every resource as it is now, for the engine in the browser (the simulator's "what if" runs
   * there); with a cluster, its agents' endpoints laid over the policy set.
   */
  resources: heavyProcedure
    .input(
      z
        .object({ cluster: ClusterName.optional(), policies: z.enum(['head', 'running']).default('head') })
        .strict()
        .default({ policies: 'head' }),
    )
    .query(async ({ ctx, input }) => {
      const { state, position, release } = await stateFor(ctx, input.cluster, input.policies);
      return { position, release: release ?? null, resources: state.resources() };
    }),
});
