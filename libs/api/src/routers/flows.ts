import { z } from 'zod';
import { ClusterName, FlowAction } from '@palisade/contracts';
import { aggregateFlows, flowCursorNow, flowEdges, flowsAfter, newestFlowsAfter, queryFlows, topFlows } from '@palisade/flow-store';
import { serviceGraph } from '@palisade/recommend';
import { tracked } from '@trpc/server';
import { authedProcedure, router } from '../trpc.js';

const When = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const Filter = {
  cluster: ClusterName.optional(),
  namespace: z.string().min(1).max(253).optional(),
  endpoint: z.string().min(1).max(253).optional(),
  action: FlowAction.optional(),
  policy: z.string().min(1).max(600).optional(),
};
const Cursor = z.string().regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\|[0-9a-f]{0,32}$/, 'a cursor a previous answer gave');

export const flowsRouter = router({
  /**
   * Flow records, newest first: what agents saw traffic do, each with the policy rule that
   * decided it. Every filter narrows; `policy` matches a prefix of "tier/policy/rule".
   */
  query: authedProcedure
    .input(
      z
        .object({
          cluster: ClusterName.optional(),
          namespace: z.string().min(1).max(253).optional(),
          endpoint: z.string().min(1).max(253).optional(),
          action: FlowAction.optional(),
          policy: z.string().min(1).max(600).optional(),
          since: When.optional(),
          until: When.optional(),
          limit: z.number().int().min(1).max(10_000).default(1_000),
        })
        .strict()
        .default({ limit: 1_000 }),
    )
    .query(({ ctx, input }) => queryFlows(ctx.db, input)),

  /** Totals per interval and action (records, packets, bytes): the allowed and denied traffic over time. */
  aggregate: authedProcedure
    .input(
      z
        .object({
          ...Filter,
          since: When.optional(),
          until: When.optional(),
          intervalSeconds: z.number().int().min(1).max(86_400).default(60),
          limit: z.number().int().min(1).max(10_000).default(1_000),
        })
        .strict(),
    )
    .query(({ ctx, input }) => {
      const { intervalSeconds, ...filter } = input;
      return aggregateFlows(ctx.db, filter, intervalSeconds);
    }),

  /** The service graph of a window: workloads and outside addresses, and the traffic between them with its verdicts. */
  graph: authedProcedure
    .input(z.object({ cluster: ClusterName.optional(), namespace: z.string().min(1).max(253).optional(), since: When, until: When.optional() }).strict())
    .query(async ({ ctx, input }) => {
      const { edges, truncated } = await flowEdges(ctx.db, { ...input, until: input.until ?? new Date() });
      return { ...serviceGraph(edges), truncated };
    }),

  /** The busiest denied flows, or the rules that decided the most records, over the filter and window. */
  top: authedProcedure
    .input(z.object({ ...Filter, since: When.optional(), until: When.optional(), by: z.enum(['denied-flows', 'policies']), limit: z.number().int().min(1).max(100).default(10) }).strict())
    .query(({ ctx, input }) => {
      const { by, limit, ...filter } = input;
      return topFlows(ctx.db, filter, by, limit);
    }),

  /**
   * Records stored after a cursor, oldest first, and the cursor to ask with next; without one,
   * an empty page and a cursor at now. `palisade flows --follow` polls this.
   */
  tail: authedProcedure.input(z.object({ ...Filter, after: Cursor.optional(), limit: z.number().int().min(1).max(10_000).default(1_000) }).strict()).query(({ ctx, input }) => {
    const { after, ...filter } = input;
    return flowsAfter(ctx.db, filter, after);
  }),

  /**
   * The live view: every second, the newest records stored since the last message (at most
   * `limit`, oldest first) and how many older ones were passed over to stay current; resumable
   * from the last message's id. Every record stays in the store: `tail` reads them all.
   */
  live: authedProcedure.input(z.object({ ...Filter, lastEventId: Cursor.nullish(), limit: z.number().int().min(1).max(1_000).default(200) }).strict()).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const { lastEventId, ...filter } = input;
    let cursor = lastEventId ?? (await flowCursorNow(ctx.db));
    while (!signal?.aborted) {
      const started = Date.now();
      const page = await newestFlowsAfter(ctx.db, filter, cursor);
      cursor = page.cursor;
      if (page.records.length) yield tracked(cursor, { records: page.records, skipped: page.skipped });
      await new Promise((r) => setTimeout(r, Math.max(100, 1_000 - (Date.now() - started))));
    }
  }),
});
