import { tracked } from '@trpc/server';
import { z } from 'zod';
import { CommittedHorizon, readRange } from '@palisade/event-store';
import { authedProcedure, router } from '../trpc.js';

const POLL_MS = 250;
const PAGE = 500;

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export const eventsRouter = router({
  /**
   * Live changes: every event after a position, in position order, then new ones as they commit
   * (never one that could still be overtaken by a slower transaction). Each message carries its
   * position as its id, so a client that reconnects resumes where it stopped.
   */
  subscribe: authedProcedure
    .input(
      z
        .object({
          after: z.number().int().min(0).optional(),
          streamType: z.enum(['resource', 'release', 'cluster', 'token']).optional(),
          /** Set by the client on reconnection: the last position it received. */
          lastEventId: z.string().regex(/^\d{1,18}$/).nullish(),
        })
        .strict(),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const horizon = new CommittedHorizon();
      let after = input.lastEventId ? Number(input.lastEventId) : input.after;
      if (after === undefined) {
        // From now: the head of the log when the subscription started.
        const [row] = await ctx.db.$queryRaw<{ position: bigint | null }[]>`SELECT max(position) AS position FROM events`;
        after = Number(row?.position ?? 0);
      }
      while (!signal?.aborted) {
        const upTo = await horizon.current(ctx.db);
        if (upTo <= after) {
          await sleep(POLL_MS, signal);
          continue;
        }
        const events = await readRange(ctx.db, after, upTo, PAGE);
        for (const e of events) {
          if (input.streamType && e.streamType !== input.streamType) continue;
          yield tracked(String(e.position), { ...e, recordedAt: e.recordedAt.toISOString() });
        }
        after = events.length === PAGE ? events[events.length - 1]!.position : upTo;
      }
    }),
});
