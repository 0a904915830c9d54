/** Errors that mean the server is not there (yet), as opposed to a request it refused. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '57P01', '08001', '08006']);

export function unreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string' && UNREACHABLE.has(e.code)) return true;
  if (typeof e?.message === 'string' && /ECONNREFUSED|Connection terminated|the database system is (starting up|shutting down)|timeout expired/.test(e.message)) return true;
  return (e?.cause !== undefined && unreachable(e.cause)) || (Array.isArray(e?.errors) && e.errors.some(unreachable));
}

/**
 * Runs `step` until it succeeds, retrying with backoff (250 ms doubling to 5 s) while the database
 * is unreachable, for at most `maxWaitMs`; any other failure, or the wait running out, is thrown.
 * A gateway started beside a restarting PostgreSQL waits for it instead of exiting, so a
 * supervisor's restart budget is not spent on a database that is merely slow to come up.
 */
export async function untilReachable<T>(step: () => Promise<T>, maxWaitMs: number, onRetry: (error: unknown, waitMs: number) => void): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  let wait = 250;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!unreachable(error) || Date.now() + wait > deadline) throw error;
      onRetry(error, wait);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 5_000);
    }
  }
}
