import pg from 'pg';
import { NOTIFY_CHANNEL } from '../store/append.js';
import { readRange } from '../store/read.js';
import type { Db, RecordedEvent } from '../store/types.js';
import { CommittedHorizon, type HorizonSource } from './committed.js';

export interface HorizonNotifierOptions {
  /** A read even when no notification came: the safety net, not the mechanism (default 1,000 ms). */
  pollMs?: number;
  /** First wait before reconnecting the LISTEN connection or retrying a failed read; doubles up to maxBackoffMs (default 100 ms). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How soon to read again while a transaction that may hold an earlier position is still running
   * (it can end without a notification, e.g. a projection's); doubles up to pollMs (default 5 ms).
   */
  settleMs?: number;
  onError?: (what: string, error: unknown) => void;
}

export interface HorizonStats {
  horizon: number;
  /** Positions taken (the sequence at the last read) not known to be final yet. */
  behind: number;
  /** Horizon reads sent (one pg_locks query each). */
  reads: number;
  /** Notifications heard on the LISTEN connection (several may lead to one read). */
  notifications: number;
  /** Readers waiting for the horizon to move. */
  waiting: number;
  listening: boolean;
  /** Times the LISTEN connection was lost and made again. */
  reconnects: number;
  /** The LISTEN connection's backend process id (null while it is down). */
  listenerPid: number | null;
  /** Milliseconds since the last successful read. */
  sinceLastReadMs: number;
}

const RANGES_KEPT = 32;
/**
 * fresh() reads that may run at once; beyond them callers share the next read. A gateway serves
 * about this many requests at once: fewer made simulations wait for each other's reads (4 cost
 * 10 % of simulate throughput in the gateway bench), and the pool's own limit still applies.
 */
const MAX_FRESH_READS = 16;

interface Waiter {
  after: number;
  resolve: (horizon: number) => void;
}

/**
 * One committed-horizon reader for a whole process. Every append sends a NOTIFY; this listens on a
 * connection of its own and, on each wake-up, reads the horizon once (coalescing wake-ups that
 * arrive meanwhile) and hands the new value to every waiting reader: the sealer, projections, the
 * outbox relay and each live subscription. A thousand subscribers cost one query, not a thousand,
 * and none waits out a polling interval. The LISTEN connection is remade with backoff when it
 * dies (a read follows at once, for what was committed meanwhile); a slow poll covers anything
 * else. A notification only wakes the reader: the horizon itself always comes from the database.
 */
export class HorizonNotifier implements HorizonSource {
  private readonly committed = new CommittedHorizon();
  private readonly waiters = new Set<Waiter>();
  /** Callers of fresh() that need a read which starts after they asked. */
  private freshWaiters: { resolve: (h: number) => void; reject: (e: unknown) => void }[] = [];
  private freshReads = 0;
  private latestHorizon = 0;
  private firstRead: Promise<void>;
  private markRead!: () => void;
  private wanted = false;
  private reading: Promise<void> | undefined;
  private closedFlag = false;
  private readonly stopListening = new AbortController();
  private client: pg.Client | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private settleDelay: number;
  private readonly counters = { reads: 0, notifications: 0, reconnects: 0, listening: false, listenerPid: null as number | null, lastReadAt: 0 };
  private readonly pollMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly settleMs: number;
  private readonly onError: (what: string, error: unknown) => void;
  private listening: Promise<void> | undefined;
  /** Recent range reads, by (after, upTo, limit): final events never change, so readers at one point share one read. */
  private readonly ranges = new Map<string, Promise<RecordedEvent[]>>();

  constructor(
    private readonly db: Db,
    options: HorizonNotifierOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1_000;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.settleMs = options.settleMs ?? 5;
    this.settleDelay = this.settleMs;
    this.onError = options.onError ?? (() => undefined);
    this.firstRead = new Promise((resolve) => (this.markRead = resolve));
  }

  /** Starts listening and reads the horizon once; returns at once (reads wait for the first value). */
  start(): this {
    if (this.listening || this.closedFlag) return this;
    this.listening = this.listen();
    this.pollTimer = setInterval(() => this.wake(), this.pollMs);
    this.pollTimer.unref();
    this.wake();
    return this;
  }

  /** The newest horizon read (0 before the first read). */
  get latest(): number {
    return this.latestHorizon;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** The newest horizon read, once there is one; sends no query (HorizonSource for ordered readers). */
  async current(): Promise<number> {
    await this.firstRead;
    return this.latestHorizon;
  }

  /**
   * A horizon read that starts after this call, shared with every caller waiting for one: what a
   * reader that must see its own committed writes asks for (a read already running may have
   * started before the write committed).
   */
  fresh(): Promise<number> {
    if (this.closedFlag) return this.committed.current(this.db);
    // A read of its own now, beside any running (CommittedHorizon orders overlapping reads), so a
    // caller waits one read, not the rest of a running one and then another; past a few at once,
    // callers share the next read instead.
    if (this.freshReads < MAX_FRESH_READS) return this.readNow();
    return new Promise((resolve, reject) => {
      this.freshWaiters.push({ resolve, reject });
      this.wake();
    });
  }

  /** Resolves with the horizon once it is above `after` (at once if it is), or when the signal aborts or the notifier closes. */
  waitFor(after: number, signal?: AbortSignal): Promise<number> {
    if (this.latestHorizon > after || this.closedFlag || signal?.aborted) return Promise.resolve(this.latestHorizon);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        after,
        resolve: (h) => {
          this.waiters.delete(waiter);
          signal?.removeEventListener('abort', abort);
          resolve(h);
        },
      };
      const abort = () => waiter.resolve(this.latestHorizon);
      signal?.addEventListener('abort', abort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /**
   * Final events after `after`, up to the newest horizon read, at most `limit`, and the position
   * the caller has read up to. Readers at the same point (every live subscriber after a commit)
   * share one query.
   */
  async readAfter(after: number, limit: number): Promise<{ events: RecordedEvent[]; upTo: number }> {
    const upTo = this.latestHorizon;
    if (upTo <= after) return { events: [], upTo: after };
    const key = `${after}:${upTo}:${limit}`;
    let read = this.ranges.get(key);
    if (!read) {
      read = readRange(this.db, after, upTo, limit);
      this.ranges.set(key, read);
      read.catch(() => this.ranges.delete(key));
      if (this.ranges.size > RANGES_KEPT) this.ranges.delete(this.ranges.keys().next().value!);
    }
    const events = await read;
    return { events, upTo: events.length === limit ? events[events.length - 1]!.position : upTo };
  }

  stats(): HorizonStats {
    return {
      horizon: this.latestHorizon,
      behind: this.committed.behind,
      reads: this.counters.reads,
      notifications: this.counters.notifications,
      waiting: this.waiters.size,
      listening: this.counters.listening,
      reconnects: this.counters.reconnects,
      listenerPid: this.counters.listenerPid,
      sinceLastReadMs: this.counters.lastReadAt ? Date.now() - this.counters.lastReadAt : -1,
    };
  }

  /** Stops listening and polling; every waiting reader is released with the last horizon. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.settleTimer);
    this.stopListening.abort();
    await this.client?.end().catch(() => undefined);
    await this.listening;
    await this.reading;
    for (const waiter of [...this.waiters]) waiter.resolve(this.latestHorizon);
    this.markRead();
  }

  private async readNow(): Promise<number> {
    this.freshReads++;
    try {
      const horizon = await this.committed.current(this.db);
      this.counters.reads++;
      this.counters.lastReadAt = Date.now();
      this.advance(horizon);
      this.scheduleSettle();
      return horizon;
    } finally {
      this.freshReads--;
    }
  }

  /** Asks for a read: one runs now, or right after the one running (which may have missed what woke us). */
  private wake(): void {
    if (this.closedFlag) return;
    this.wanted = true;
    this.reading ??= this.drain().finally(() => (this.reading = undefined));
  }

  private async drain(): Promise<void> {
    let backoff = this.minBackoffMs;
    while (this.wanted && !this.closedFlag) {
      this.wanted = false;
      // Only callers that asked before this read began are answered by it.
      const fresh = this.freshWaiters;
      this.freshWaiters = [];
      try {
        const horizon = await this.committed.current(this.db);
        this.counters.reads++;
        this.counters.lastReadAt = Date.now();
        backoff = this.minBackoffMs;
        this.advance(horizon);
        for (const f of fresh) f.resolve(horizon);
        this.scheduleSettle();
      } catch (error) {
        this.onError('reading the committed horizon', error);
        for (const f of fresh) f.reject(error);
        await sleep(backoff, this.stopListening.signal);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
        // Readers are still waiting: try again (the poll would too, later).
        if (this.waiters.size > 0 || this.freshWaiters.length > 0) this.wanted = true;
      }
    }
  }

  private advance(horizon: number): void {
    if (this.counters.reads === 1) this.markRead();
    if (horizon <= this.latestHorizon) return;
    this.latestHorizon = horizon;
    for (const waiter of [...this.waiters]) if (horizon > waiter.after) waiter.resolve(horizon);
  }

  /**
   * A position below the sequence is held by a transaction still running. Its commit notifies us,
   * but other transactions (a projection's, a token's last use) hold the horizon back too and end
   * without a word: look again soon, less often the longer it lasts.
   */
  private scheduleSettle(): void {
    if (this.committed.behind === 0) {
      this.settleDelay = this.settleMs;
      return;
    }
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.wake();
    }, this.settleDelay);
    this.settleTimer.unref();
    this.settleDelay = Math.min(this.settleDelay * 2, this.pollMs);
  }

  /** Keeps one LISTEN connection up until closed, remaking it with backoff when it dies. */
  private async listen(): Promise<void> {
    let backoff = this.minBackoffMs;
    const stop = this.stopListening.signal;
    while (!stop.aborted) {
      const client = new pg.Client({ ...this.db.pool.options, keepAlive: true });
      this.client = client;
      const lost = new Promise<unknown>((resolve) => {
        client.on('error', resolve);
        client.on('end', () => resolve(new Error('the LISTEN connection closed')));
        stop.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      client.on('notification', () => {
        this.counters.notifications++;
        this.wake();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        const pid = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        this.counters.listenerPid = pid.rows[0]?.pid ?? null;
        this.counters.listening = true;
        backoff = this.minBackoffMs;
        // Whatever committed while nobody listened.
        this.wake();
        const reason = await lost;
        if (reason && !stop.aborted) this.onError('the LISTEN connection', reason);
      } catch (error) {
        if (!stop.aborted) this.onError('connecting for LISTEN', error);
      } finally {
        this.counters.listening = false;
        this.counters.listenerPid = null;
        client.removeAllListeners('notification');
        await client.end().catch(() => undefined);
      }
      if (stop.aborted) break;
      this.counters.reconnects++;
      await sleep(backoff, stop);
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }
}

/** A notifier, started: one per process, handed to every ordered reader. */
export function startHorizonNotifier(db: Db, options: HorizonNotifierOptions = {}): HorizonNotifier {
  return new HorizonNotifier(db, options).start();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
