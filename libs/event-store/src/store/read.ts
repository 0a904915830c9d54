import { hashedContent, streamTypeOf } from './append.js';
import { sha256Hex } from './canonical.js';
import { UnauthenticatedEventError } from './errors.js';
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
  mac: string | null;
}

export const EVENT_COLUMNS =
  'position, id::text AS id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id::text AS correlation_id, causation_id::text AS causation_id, recorded_at, content_hash, mac';

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
    mac: row.mac ?? null,
  };
}

/**
 * Why an event is not one a Palisade writer wrote, or undefined when it is: its content must hash
 * to its content hash, and that hash carry the writer's MAC. Without a key nothing is checked.
 */
export function unauthenticated(db: Db | Tx, event: RecordedEvent): string | undefined {
  const key = db.eventKey;
  if (!key) return undefined;
  if (sha256Hex(hashedContent(event)) !== event.contentHash) return 'content that does not match its hash';
  return key.check(event.contentHash, event.mac, event.position);
}

export async function queryEvents(db: Db | Tx, where: string, params: unknown[], order = 'position', limit?: number): Promise<RecordedEvent[]> {
  const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where} ORDER BY ${order}${limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(limit))}` : ''}`;
  const rows = await db.queryText<EventRow[]>(sql, ...params);
  const events = rows.map(toRecordedEvent);
  for (const event of events) {
    const problem = unauthenticated(db, event);
    if (problem) throw new UnauthenticatedEventError(event.position, event.id, problem);
  }
  return events;
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

/** A stream's last event at or before a position: the stream as it stood then (undefined: it had no events yet). */
export async function readLastAt(db: Db | Tx, streamId: string, position: number): Promise<RecordedEvent | undefined> {
  const [last] = await queryEvents(db, 'stream_type = $1 AND stream_id = $2 AND position <= $3', [streamTypeOf(streamId), streamId, position], 'position DESC', 1);
  return last;
}

/**
 * The last event of each of these streams that has any, by stream id: one query for a whole batch.
 * With `atOrBefore`, the last at or before that position (the streams as they stood then).
 */
export async function readLastOfEach(db: Db | Tx, streamIds: string[], atOrBefore?: number): Promise<Map<string, RecordedEvent>> {
  const bound = atOrBefore === undefined ? '' : ' AND position <= $2';
  const events = await queryEvents(
    db,
    `stream_id = ANY($1::text[]) AND (stream_id, version) IN (SELECT stream_id, max(version) FROM events WHERE stream_id = ANY($1::text[])${bound} GROUP BY stream_id)`,
    atOrBefore === undefined ? [streamIds] : [streamIds, atOrBefore],
    'position',
  );
  return new Map(events.map((e) => [e.streamId, e]));
}

/** A stream's current version (0 when it has no events). */
export async function streamVersion(db: Db | Tx, streamId: string): Promise<number> {
  const [row] = await db.query<{ version: number | null }[]>`SELECT max(version) AS version FROM events WHERE stream_id = ${streamId}`;
  return Number(row?.version ?? 0);
}

/**
 * Events with positions in (after, upTo], in position order. Only safe for ordered consumers when
 * `upTo` comes from a CommittedHorizon: below it no event can still appear.
 */
export async function readRange(db: Db | Tx, after: number, upTo: number, limit: number): Promise<RecordedEvent[]> {
  return queryEvents(db, 'position > $1 AND position <= $2', [after, upTo], 'position', limit);
}

/** The event with this id, if the log holds one. */
export async function readEventById(db: Db | Tx, id: string): Promise<RecordedEvent | undefined> {
  // Not a uuid: no event has it (and the cast below would fail).
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return (await queryEvents(db, 'id = $1::uuid', [id], 'position', 1))[0];
}

/** Up to `limit` stream ids that start with `prefix` (whose stream type is the part before the first slash), in order. */
export async function streamIdsStartingWith(db: Db | Tx, prefix: string, limit: number): Promise<string[]> {
  const like = prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const rows = await db.query<{ stream_id: string }[]>`
    SELECT DISTINCT stream_id FROM events WHERE stream_type = ${streamTypeOf(prefix)} AND stream_id LIKE ${like} ORDER BY stream_id LIMIT ${limit}`;
  return rows.map((r) => r.stream_id);
}

/**
 * The newest `limit` streams of a type, newest first, as their first events: a list of the most
 * recent rollouts reads only those streams, however many older ones the log holds.
 */
export async function newestStreams(db: Db | Tx, streamType: string, limit: number): Promise<RecordedEvent[]> {
  return queryEvents(db, 'stream_type = $1 AND version = 1', [streamType], 'position DESC', limit);
}

/** The log's head: the highest position committed and visible now (0 for an empty log). Not a horizon: a lower position may still commit. */
export async function logHead(db: Db | Tx): Promise<number> {
  const [row] = await db.query<{ position: bigint | null }[]>`SELECT max(position) AS position FROM events`;
  return Number(row?.position ?? 0);
}

/** How many events the log holds. */
export async function countEvents(db: Db | Tx): Promise<number> {
  const [row] = await db.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`;
  return Number(row?.n ?? 0);
}
