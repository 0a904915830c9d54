import { z } from 'zod';
import { auditLog, diffBetween, formatDiff, resourceAsOf, resourcesAsOf, type AsOf } from '@palisade/domain';
import { verifyChain } from '@palisade/event-store';
import { gates } from '../limits/gate.js';
import { authedProcedure, gated, heavyProcedure, requiring, router } from '../trpc.js';

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
          streamType: z.enum(['resource', 'release', 'cluster', 'token', 'rollout', 'rollout-plan', 'cluster-rollout', 'agent', 'join-token']).optional(),
          type: z.string().max(128).optional(),
          actor: z.string().max(256).optional(),
          correlationId: z.uuid().optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          after: z.number().int().min(0).optional(),
          /** Newest first: events below this position. */
          before: z.number().int().min(1).optional(),
          limit: z.number().int().min(1).max(1_000).default(100),
        })
        .strict()
        .refine((i) => i.after === undefined || i.before === undefined, { message: 'give after (oldest first) or before (newest first), not both' }),
    )
    .query(async ({ ctx, input }) => {
      const { after, before, limit, from, to, ...filter } = input;
      const page = await auditLog(
        ctx.db,
        { ...filter, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) },
        { limit, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}) },
      );
      return { events: page.events.map((e) => ({ ...e, recordedAt: e.recordedAt.toISOString() })), ...(page.next !== undefined ? { next: page.next } : {}) };
    }),

  /** The whole resource set, or one resource, as it was at a position or time. */
  asOf: heavyProcedure.input(z.object({ at: AsOfInput, key: z.string().max(512).optional() }).strict()).query(async ({ ctx, input }) => {
    if (input.key) return { resources: Object.fromEntries(Object.entries({ [input.key]: await resourceAsOf(ctx.db, input.key, asOf(input.at)) }).filter(([, v]) => v !== undefined)) };
    return { resources: Object.fromEntries(await resourcesAsOf(ctx.db, asOf(input.at))) };
  }),

  /** What changed between two points in the history, structured and as text. */
  diff: heavyProcedure.input(z.object({ from: AsOfInput, to: AsOfInput }).strict()).query(async ({ ctx, input }) => {
    const diff = await diffBetween(ctx.db, asOf(input.from), asOf(input.to));
    return { diff, text: formatDiff(diff) };
  }),

  /** Walks the hash chain (read-only). */
  /** Reads every event: security admins and admins only, one at a time per gateway. */
  verify: gated(gates.verify, requiring('audit:verify'))
    .input(
      z
        .object({
          anchor: z
            .object({ position: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex') })
            .strict()
            .optional(),
        })
        .strict()
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      // An anchor the caller kept wins; otherwise the newest on JetStream, when NATS answers.
      const kept = input?.anchor ? { ...input.anchor, at: 'the anchor given' } : undefined;
      const anchor = kept ?? (ctx.anchor ? await ctx.anchor().catch(() => undefined) : undefined);
      const result = await verifyChain(ctx.db, anchor ? { anchor } : {});
      return { ...result, anchorSource: kept ? 'given' : anchor ? 'jetstream' : 'none' } as const;
    }),
});
