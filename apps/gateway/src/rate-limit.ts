/**
 * Per-caller token buckets: each caller (API token) may make `perSecond` requests a second on
 * average and `burst` at once. Buckets of callers idle long enough to be full again are dropped.
 */
export interface RateLimiter {
  /** Takes one request from the caller's bucket; when empty, how long to wait for the next. */
  /** Takes `cost` requests' worth (default 1). */
  take(caller: string, now?: number, cost?: number): { allowed: true } | { allowed: false; retryAfterSeconds: number };
  /** Whether the caller could take one now, without taking it. */
  peek(caller: string, now?: number): { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

export function createRateLimiter(perSecond: number, burst: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sweptAt = 0;
  const sweep = (now: number) => {
    if (now - sweptAt < 60_000) return;
    sweptAt = now;
    for (const [caller, b] of buckets) if (b.tokens + ((now - b.at) / 1000) * perSecond >= burst) buckets.delete(caller);
  };
  const refill = (caller: string, now: number) => {
    const b = buckets.get(caller) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    return b;
  };
  const wait = (tokens: number) => Math.max(1, Math.ceil((1 - tokens) / perSecond));
  return {
    peek(caller, now = Date.now()) {
      if (!buckets.has(caller)) return { allowed: true };
      const b = refill(caller, now);
      return b.tokens >= 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: wait(b.tokens) };
    },
    take(caller, now = Date.now(), cost = 1) {
      sweep(now);
      const b = refill(caller, now);
      buckets.set(caller, b);
      // More than a full bucket is charged as a full bucket: allowed when rested, then it must refill.
      const charge = Math.min(cost, burst);
      if (b.tokens >= charge) {
        b.tokens -= charge;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((charge - b.tokens) / perSecond)) };
    },
  };
}
