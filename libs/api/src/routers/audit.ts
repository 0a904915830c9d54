import { z } from 'zod';
import { auditLog, diffBetween, formatDiff, resourceAsOf, resourcesAsOf, type AsOf } from '@palisade/domain';
import { verifyChain } from '@palisade/event-store';
import { authedProcedure, router } from '../trpc.js';

const AsOfInput = z.union([z.object({ position: z.number().int().min(0) }).strict(), z.object({ time: z.iso.datetime({ offset: true }) }).strict()]);
const asOf = (a: z.infer<typeof AsOfInput>): AsOf => ('position' in a ? { position: a.position } : { time: new Date(a.time) });

export const auditRouter = router({
  /** The log filtered by resource, stream, actor, correlation id and time, paged by position. */
  log: authedProcedure
    .input(
      z
        .object({
          resource: z.string().max(512).optional(),
          streamId: z.string().max(512).optional(),
          actor: z.string().max(256).optional(),
          correlationId: z.uuid().optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          after: z.number().int().min(0).optional(),
          limit: z.number().int().min(1).max(1_000).default(100),
        })
        .strict(),
    )
    .query(async ({ ctx, input }) => {
      const { after, limit, from, to, ...filter } = input;
      const page = await auditLog(ctx.db, { ...filter, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) }, { limit, ...(after !== undefined ? { after } : {}) });
      return { events: page.events.map((e) => ({ ...e, recordedAt: e.recordedAt.toISOString() })), ...(page.next !== undefined ? { next: page.next } : {}) };
    }),

  /** The whole resource set, or one resource, as it was at a position or time. */
  asOf: authedProcedure.input(z.object({ at: AsOfInput, key: z.string().max(512).optional() }).strict()).query(async ({ ctx, input }) => {
    if (input.key) return { resources: Object.fromEntries(Object.entries({ [input.key]: await resourceAsOf(ctx.db, input.key, asOf(input.at)) }).filter(([, v]) => v !== undefined)) };
    return { resources: Object.fromEntries(await resourcesAsOf(ctx.db, asOf(input.at))) };
  }),

  /** What changed between two points in the history, structured and as text. */
  diff: authedProcedure.input(z.object({ from: AsOfInput, to: AsOfInput }).strict()).query(async ({ ctx, input }) => {
    const diff = await diffBetween(ctx.db, asOf(input.from), asOf(input.to));
    return { diff, text: formatDiff(diff) };
  }),

  /** Walks the hash chain (read-only). */
  verify: authedProcedure.query(({ ctx }) => verifyChain(ctx.db)),
});
