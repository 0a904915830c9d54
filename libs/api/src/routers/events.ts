import { TRPCError, tracked } from '@trpc/server';
import { z } from 'zod';
import { logHead } from '@palisade/event-store';
import { authedProcedure, router } from '../trpc.js';

const PAGE = 500;

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
          streamType: z.enum(['resource', 'release', 'cluster', 'token', 'rollout', 'rollout-plan']).optional(),
          /** Set by the client on reconnection: the last position it received. */
          lastEventId: z
            .string()
            .regex(/^\d{1,18}$/)
            .nullish(),
        })
        .strict(),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const horizon = ctx.horizon;
      if (!horizon) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'no horizon notifier in the context' });
      // From now, when no position is given: the head of the log when the subscription started.
      let after = input.lastEventId ? Number(input.lastEventId) : (input.after ?? (await logHead(ctx.db)));
      while (!signal?.aborted) {
        // Subscribers at the same position share this read; past the horizon, wait for the next commit.
        const { events, upTo } = await horizon.readAfter(after, PAGE);
        if (upTo <= after) {
          await horizon.waitFor(after, signal);
          if (horizon.closed) return;
          continue;
        }
        for (const e of events) {
          if (input.streamType && e.streamType !== input.streamType) continue;
          yield tracked(String(e.position), { ...e, recordedAt: e.recordedAt.toISOString() });
        }
        after = upTo;
      }
    }),
});
