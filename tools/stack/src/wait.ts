export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it resolves without throwing or `timeoutMs` passes; then rethrows
 * the last failure. Used for every readiness wait so none of them can hang.
 */
export async function waitFor<T>(probe: () => Promise<T>, { timeoutMs, intervalMs = 200, isAlive }: { timeoutMs: number; intervalMs?: number; isAlive?: () => boolean }): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('timed out');
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (isAlive && !isAlive()) throw lastError;
    if (Date.now() >= deadline) throw lastError;
    await sleep(intervalMs);
  }
}

/** Rejects with `message` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
