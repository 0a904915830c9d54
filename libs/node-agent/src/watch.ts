import type { KV, KvWatchEntry } from '@nats-io/kv';

export interface WatchOptions {
  signal: AbortSignal;
  /** Told when a watch broke and is being made again (a NATS restart, a lost consumer). */
  onRestart?: (error: unknown) => void;
  /** Called before the first entry of each (re)made watch, so the caller can drop what it knew. */
  onStart?: () => void;
}

/**
 * Watches keys for as long as the signal allows, remaking the watch whenever it ends or fails
 * (with backoff up to 5 s). Every remade watch delivers the keys' current values again, so after
 * an outage the caller sees the present, not only what it missed.
 */
export function watchForever(kv: KV, key: string, onEntry: (entry: KvWatchEntry) => void, options: WatchOptions): Promise<void> {
  return (async () => {
    let delay = 250;
    while (!options.signal.aborted) {
      try {
        const iterator = await kv.watch({ key });
        const stop = () => iterator.stop();
        options.signal.addEventListener('abort', stop, { once: true });
        options.onStart?.();
        delay = 250;
        try {
          for await (const entry of iterator) onEntry(entry);
        } finally {
          options.signal.removeEventListener('abort', stop);
        }
        if (options.signal.aborted) return;
        options.onRestart?.(new Error('the watch ended'));
      } catch (error) {
        if (options.signal.aborted) return;
        options.onRestart?.(error);
      }
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, 5_000);
    }
  })();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
