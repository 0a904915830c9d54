import type { Db, JsonValue, RecordedEvent, Tx } from './types.js';

/** An events row as SELECT EVENT_COLUMNS returns it. */
export interface EventRow {
  position: bigint;
  id: string;
  stream_id: string;
  stream_type: string;
  version: number;
  type: string;
  schema_version: number;
  payload: JsonValue;
  actor: string;
  reason: string | null;
  correlation_id: string | null;
  causation_id: string | null;
  recorded_at: Date;
  content_hash: string;
}

export const EVENT_COLUMNS = 'position, id::text AS id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id::text AS correlation_id, causation_id::text AS causation_id, recorded_at, content_hash';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    position: Number(row.position),
    id: row.id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: Number(row.version),
    type: row.type,
    schemaVersion: Number(row.schema_version),
    payload: row.payload,
    actor: row.actor,
    reason: row.reason,
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
    contentHash: row.content_hash,
  };
}

export async function queryEvents(db: Db | Tx, where: string, params: unknown[], order = 'position', limit?: number): Promise<RecordedEvent[]> {
  const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY ${order}${limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(limit))}` : ''}`;
  const rows = await db.$queryRawUnsafe<EventRow[]>(sql, ...params);
  return rows.map(toRecordedEvent);
}

/** One stream's events from a version on (streams are gap-free and read consistently). */
export async function readStream(db: Db | Tx, streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
  return queryEvents(db, 'stream_id = $1 AND version >= $2', [streamId, options.fromVersion ?? 1], 'version', options.limit ?? 1_000);
}

/** A stream's last event, if it has any. */
export async function readLast(db: Db | Tx, streamId: string): Promise<RecordedEvent | undefined> {
  const [last] = await queryEvents(db, 'stream_id = $1', [streamId], 'version DESC', 1);
  return last;
}

/** The last event of each of these streams that has any, by stream id: one query for a whole batch. */
export async function readLastOfEach(db: Db | Tx, streamIds: string[]): Promise<Map<string, RecordedEvent>> {
  const events = await queryEvents(db, 'stream_id = ANY($1::text[]) AND (stream_id, version) IN (SELECT stream_id, max(version) FROM events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id)', [streamIds], 'position');
  return new Map(events.map((e) => [e.streamId, e]));
}

/** A stream's current version (0 when it has no events). */
export async function streamVersion(db: Db | Tx, streamId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ version: number | null }[]>`SELECT max(version) AS version FROM events WHERE stream_id = ${streamId}`;
  return Number(row?.version ?? 0);
}

/**
 * Events with positions in (after, upTo], in position order. Only safe for ordered consumers when
 * `upTo` comes from a CommittedHorizon: below it no event can still appear.
 */
export async function readRange(db: Db | Tx, after: number, upTo: number, limit: number): Promise<RecordedEvent[]> {
  return queryEvents(db, 'position > $1 AND position <= $2', [after, upTo], 'position', limit);
}

/**
 * The highest position below which the log is final: every event at or below it is committed
 * (and visible) or will never exist. Positions can commit out of order: a transaction can take
 * position 5, stall, and commit after position 6 did. Reading past 5 before it commits would skip
 * it forever, so ordered readers (sealer, outbox relay, projections) read only up to here.
 *
 * How: appends take their transaction id before any position (append.ts), and a transaction
 * holds a lock on its own id until it ends. Read the sequence's last value S, then the ids of the
 * transactions running now (their locks in pg_locks): whoever took a position up to S is among
 * them or already finished. Once none of them is running, every position up to S is final.
 * Pairs (S, running) queue until then; the newest final S is the horizon. (A snapshot's xmax
 * does not work here: it is one past the highest *completed* id, so transactions that started
 * after it are invisible to it.)
 */
export class CommittedHorizon {
  private pending: { sequence: number; running: string[] }[] = [];
  private horizon = 0;

  async current(db: Db): Promise<number> {
    const [seq] = await db.$queryRaw<{ last_value: bigint; is_called: boolean }[]>`SELECT last_value, is_called FROM events_position_seq`;
    const sequence = seq?.is_called ? Number(seq.last_value) : 0;
    // Transactions of this database only: others cannot write its events.
    const rows = await db.$queryRaw<{ xid: string }[]>`
      SELECT l.transactionid::text AS xid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock' AND l.granted AND a.datname = current_database()`;
    const runningNow = new Set(rows.map((r) => r.xid));
    this.pending.push({ sequence, running: [...runningNow] });
    const still: typeof this.pending = [];
    for (const p of this.pending) {
      if (p.running.every((xid) => !runningNow.has(xid))) this.horizon = Math.max(this.horizon, p.sequence);
      else still.push(p);
    }
    // Keep the queue short: dropping the oldest pairs only delays the horizon, never skips.
    this.pending = still.slice(-64);
    return this.horizon;
  }
}
