import type { Db } from '../store/types.js';

/** Where an ordered reader learns how far it may read. */
export interface HorizonSource {
  /** A committed horizon: every position up to it is committed or will never exist. */
  current(db: Db): Promise<number>;
}

/**
 * The highest position below which the log is final: every event at or below it is committed
 * (and visible) or will never exist. Positions can commit out of order: a transaction can take
 * position 5, stall, and commit after position 6 did. Reading past 5 before it commits would skip
 * it forever, so ordered readers (sealer, outbox relay, projections) read only up to here.
 *
 * How: appends take their transaction id before any position (store/append.ts), and a transaction
 * holds a lock on its own id until it ends. Read the sequence's last value S, then the ids of the
 * transactions running now (their locks in pg_locks): whoever took a position up to S is among
 * them or already finished. Once none of them is running, every position up to S is final.
 * Pairs (S, running) queue until then; the newest final S is the horizon. (A snapshot's xmax
 * does not work here: it is one past the highest *completed* id, so transactions that started
 * after it are invisible to it.)
 */
export class CommittedHorizon implements HorizonSource {
  private pending: { sequence: number; running: string[]; sequenceRead: number }[] = [];
  private horizon = 0;
  private sequence = 0;
  /**
   * Orders this process's reads, so calls may overlap: a snapshot of running transactions only
   * says something about a pair whose sequence was read before the snapshot's query was sent.
   * (A snapshot taken earlier may miss a transaction that started after it and took a position
   * up to that pair's sequence.)
   */
  private tick = 0;

  /** Positions taken (the sequence at the last read) that are not known to be final yet. */
  get behind(): number {
    return Math.max(0, this.sequence - this.horizon);
  }

  async current(db: Db): Promise<number> {
    const [seq] = await db.query<{ last_value: bigint; is_called: boolean }[]>`SELECT last_value, is_called FROM events_position_seq`;
    const sequenceRead = ++this.tick;
    const sequence = seq?.is_called ? Number(seq.last_value) : 0;
    this.sequence = Math.max(this.sequence, sequence);
    const snapshotSent = ++this.tick;
    // Transactions of this database only: others cannot write its events.
    const rows = await db.query<{ xid: string }[]>`
      SELECT l.transactionid::text AS xid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted AND a.datname = current_database()`;
    const runningNow = new Set(rows.map((r) => r.xid));
    this.pending.push({ sequence, running: [...runningNow], sequenceRead });
    const still: typeof this.pending = [];
    for (const p of this.pending) {
      if (p.sequenceRead < snapshotSent && p.running.every((xid) => !runningNow.has(xid))) this.horizon = Math.max(this.horizon, p.sequence);
      else still.push(p);
    }
    // Keep the queue short: dropping the oldest pairs only delays the horizon, never skips.
    this.pending = still.slice(-64);
    return this.horizon;
  }
}
