import { EVENTS_PER_CHANGE } from '@palisade/contracts';
import { DbError, UNIQUE_VIOLATION } from '../sql/client.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { ConcurrencyError, IdempotencyError, InvalidEventError } from './errors.js';
import type { AppendRequest, AppendResult, Db, JsonValue, NewEvent, RecordedEvent, Tx } from './types.js';

export const LIMITS = {
  // The largest append is one change to the policy set, which is all or nothing: its limit is ours.
  eventsPerAppend: EVENTS_PER_CHANGE,
  payloadBytes: 1024 * 1024,
  streamIdLength: 512,
  actorLength: 256,
  reasonLength: 4_096,
  typeLength: 128,
} as const;

/** Channel readers LISTEN on to wake up early; it never carries events, only the hint that some exist. */
export const NOTIFY_CHANNEL = 'palisade_events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE = /^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/;
const STREAM_TYPE = /^[a-z][a-z0-9-]*$/;
// eslint-disable-next-line no-control-regex -- control characters are what must be refused
const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * A UTF-16 surrogate without its pair. No UTF-8 can hold one: the driver would store U+FFFD in its
 * place (or jsonb refuse it), while the content hash covers what was sent, so the event would
 * later fail verification. Refused up front, by field.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** "resource/NetworkPolicy/prod/db" → "resource": the part before the first slash. */
export function streamTypeOf(streamId: string): string {
  const slash = streamId.indexOf('/');
  return slash === -1 ? streamId : streamId.slice(0, slash);
}

function validateStream(streamId: string, index: number): void {
  if (!streamId || streamId.length > LIMITS.streamIdLength) throw new InvalidEventError(index, 'streamId', `must be 1 to ${LIMITS.streamIdLength} characters`);
  if (CONTROL.test(streamId) || LONE_SURROGATE.test(streamId)) throw new InvalidEventError(index, 'streamId', 'must not contain control characters or an unpaired surrogate');
  if (!STREAM_TYPE.test(streamTypeOf(streamId)))
    throw new InvalidEventError(index, 'streamId', `must start with a stream type (lower case letters, digits, dashes) then "/": got ${JSON.stringify(streamId.slice(0, 40))}`);
}

const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/** Text PostgreSQL cannot store as given (jsonb holds no U+0000; no text holds a lone surrogate). */
function hasUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return unstorable(value);
  if (Array.isArray(value)) return value.some(hasUnstorable);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => unstorable(k) || hasUnstorable(v));
  return false;
}

function validateEvent(event: NewEvent, index: number): string {
  if (!UUID.test(event.id)) throw new InvalidEventError(index, 'id', 'must be a UUID');
  if (!TYPE.test(event.type) || event.type.length > LIMITS.typeLength)
    throw new InvalidEventError(index, 'type', `must be PascalCase words separated by dots, at most ${LIMITS.typeLength} characters`);
  if (event.schemaVersion !== undefined && (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 1)) throw new InvalidEventError(index, 'schemaVersion', 'must be a positive integer');
  if (!event.actor || event.actor.length > LIMITS.actorLength || CONTROL.test(event.actor) || LONE_SURROGATE.test(event.actor))
    throw new InvalidEventError(index, 'actor', `must be 1 to ${LIMITS.actorLength} printable characters`);
  if (event.reason !== undefined && event.reason.length > LIMITS.reasonLength) throw new InvalidEventError(index, 'reason', `must be at most ${LIMITS.reasonLength} characters`);
  // Stored as given, or the content hash would cover text other than what is stored.
  if (event.reason !== undefined && unstorable(event.reason)) throw new InvalidEventError(index, 'reason', 'must not contain U+0000 or an unpaired surrogate');
  for (const field of ['correlationId', 'causationId'] as const) {
    const value = event[field];
    if (value !== undefined && !UUID.test(value)) throw new InvalidEventError(index, field, 'must be a UUID');
  }
  let json: string;
  try {
    json = JSON.stringify(event.payload);
  } catch {
    throw new InvalidEventError(index, 'payload', 'must be JSON');
  }
  if (json === undefined) throw new InvalidEventError(index, 'payload', 'must be JSON');
  if (json.length > LIMITS.payloadBytes) throw new InvalidEventError(index, 'payload', `is ${json.length} bytes: at most ${LIMITS.payloadBytes}`);
  if (hasUnstorable(event.payload)) throw new InvalidEventError(index, 'payload', 'must not contain U+0000 or an unpaired surrogate');
  return json;
}

/** What an event's content hash covers: everything but its position. */
export function hashedContent(e: Omit<RecordedEvent, 'position' | 'contentHash' | 'mac'>): string {
  return canonicalJson({
    id: e.id.toLowerCase(),
    streamId: e.streamId,
    version: e.version,
    type: e.type,
    schemaVersion: e.schemaVersion,
    payload: e.payload,
    actor: e.actor,
    reason: e.reason,
    correlationId: e.correlationId?.toLowerCase() ?? null,
    causationId: e.causationId?.toLowerCase() ?? null,
    recordedAt: e.recordedAt.toISOString(),
  });
}

interface Existing {
  id: string;
  position: number;
  stream: string;
  version: number;
}

/**
 * Appends events to one or more streams in the caller's transaction, all or nothing. Each stream
 * must be at its expected version; events whose ids were all appended before are a no-op that
 * returns the original positions.
 */
export async function appendInTransaction(tx: Tx, requests: AppendRequest[]): Promise<AppendResult[]> {
  const all = requests.flatMap((r) => r.events);
  if (all.length === 0) throw new InvalidEventError(0, 'events', 'must not be empty');
  if (all.length > LIMITS.eventsPerAppend) throw new InvalidEventError(LIMITS.eventsPerAppend, 'events', `are ${all.length}: at most ${LIMITS.eventsPerAppend} per append`);
  const streams = new Set<string>();
  let index = 0;
  const payloads: string[] = [];
  for (const request of requests) {
    validateStream(request.streamId, index);
    if (streams.has(request.streamId)) throw new InvalidEventError(index, 'streamId', `${request.streamId} appears twice in one append: put its events in one request`);
    streams.add(request.streamId);
    if (request.expectedVersion !== 'any' && (!Number.isInteger(request.expectedVersion) || request.expectedVersion < 0))
      throw new InvalidEventError(index, 'expectedVersion', 'must be a whole number (0: the stream must not exist) or "any"');
    for (const event of request.events) payloads.push(validateEvent(event, index++));
  }
  const ids = all.map((e) => e.id.toLowerCase());
  if (new Set(ids).size !== ids.length)
    throw new InvalidEventError(
      ids.findIndex((id, i) => ids.indexOf(id) !== i),
      'id',
      'is used twice in one append',
    );

  // The transaction takes its id before any position: readers rely on that to know when every
  // position up to a point is final (see horizon/committed.ts). Then: ids seen before, streams' versions.
  const [state] = await tx.query<{ existing: Existing[] | null; versions: { stream: string; version: number }[] | null }[]>`
    SELECT pg_current_xact_id()::text AS xid,
      (SELECT json_agg(json_build_object('id', id, 'position', position, 'stream', stream_id, 'version', version) ORDER BY position)
         FROM events WHERE id = ANY(${ids}::uuid[])) AS existing,
      (SELECT json_agg(json_build_object('stream', stream_id, 'version', v))
         FROM (SELECT stream_id, max(version) AS v FROM events WHERE stream_id = ANY(${[...streams]}::text[]) GROUP BY stream_id) s) AS versions`;
  const existing = state?.existing ?? [];
  if (existing.length) return duplicateResult(requests, ids, existing);
  const versions = new Map((state?.versions ?? []).map((v) => [v.stream, Number(v.version)]));

  const recordedAt = new Date();
  const rows: {
    id: string;
    streamId: string;
    streamType: string;
    version: number;
    type: string;
    schemaVersion: number;
    payload: string;
    actor: string;
    reason: string | null;
    correlationId: string | null;
    causationId: string | null;
    hash: string;
  }[] = [];
  index = 0;
  for (const request of requests) {
    const current = versions.get(request.streamId) ?? 0;
    if (request.expectedVersion !== 'any' && request.expectedVersion !== current) throw new ConcurrencyError(request.streamId, request.expectedVersion, current);
    request.events.forEach((event, i) => {
      const row = {
        id: event.id.toLowerCase(),
        streamId: request.streamId,
        streamType: streamTypeOf(request.streamId),
        version: current + i + 1,
        type: event.type,
        schemaVersion: event.schemaVersion ?? 1,
        payload: payloads[index++]!,
        actor: event.actor,
        reason: event.reason ?? null,
        correlationId: event.correlationId?.toLowerCase() ?? null,
        causationId: event.causationId?.toLowerCase() ?? null,
        hash: '',
      };
      row.hash = sha256Hex(hashedContent({ ...row, payload: JSON.parse(row.payload) as JsonValue, recordedAt }));
      rows.push(row);
    });
  }
  const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
  let inserted: { id: string; position: bigint }[];
  try {
    inserted = await tx.query<{ id: string; position: bigint }[]>`
      WITH ins AS (
        INSERT INTO events (id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, causation_id, recorded_at, content_hash, mac)
        SELECT u.id, u.stream_id, u.stream_type, u.version, u.type, u.schema_version, u.payload::jsonb, u.actor, u.reason, u.correlation_id, u.causation_id, ${recordedAt}::timestamptz, u.content_hash, u.mac
        FROM unnest(${col('id')}::uuid[], ${col('streamId')}::text[], ${col('streamType')}::text[], ${col('version')}::int[], ${col('type')}::text[],
                    ${col('schemaVersion')}::int[], ${col('payload')}::text[], ${col('actor')}::text[], ${col('reason')}::text[],
                    ${col('correlationId')}::uuid[], ${col('causationId')}::uuid[], ${col('hash')}::text[], ${rows.map((r) => tx.eventKey?.sign(r.hash) ?? null)}::text[])
          AS u(id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, causation_id, content_hash, mac)
        RETURNING id::text, position
      )
      SELECT ins.id, ins.position FROM ins, (SELECT pg_notify(${NOTIFY_CHANNEL}, '')) n`;
  } catch (error) {
    throw translateUniqueViolation(error);
  }
  const positionOf = new Map(inserted.map((r) => [r.id, Number(r.position)]));
  return requests.map((request) => {
    const positions = request.events.map((e) => positionOf.get(e.id.toLowerCase())!);
    const current = versions.get(request.streamId) ?? 0;
    return { streamId: request.streamId, version: current + request.events.length, positions, duplicate: false };
  });
}

function duplicateResult(requests: AppendRequest[], ids: string[], existing: Existing[]): AppendResult[] {
  const byId = new Map(existing.map((e) => [e.id, e]));
  const missing = ids.find((id) => !byId.has(id));
  if (missing !== undefined) throw new IdempotencyError(existing[0]!.id, `was appended before but ${missing} (in the same request) was not: a retry must resend the same events`);
  return requests.map((request) => {
    const found = request.events.map((e) => byId.get(e.id.toLowerCase())!);
    const elsewhere = found.find((f) => f.stream !== request.streamId);
    if (elsewhere) throw new IdempotencyError(elsewhere.id, `was appended to stream ${elsewhere.stream}, not ${request.streamId}`);
    return { streamId: request.streamId, version: Math.max(...found.map((f) => Number(f.version))), positions: found.map((f) => Number(f.position)), duplicate: true };
  });
}

/** Another writer got in first: a concurrency error naming the stream (the caller re-reads the version). */
class UniqueViolation extends Error {
  constructor(readonly constraint: string) {
    super(`unique violation on ${constraint}`);
  }
}

/** The two unique keys a concurrent append can collide on; any other error passes through. */
const APPEND_RACES = new Set(['events_id_key', 'events_stream_id_version_key']);

function translateUniqueViolation(error: unknown): unknown {
  if (error instanceof DbError && error.code === UNIQUE_VIOLATION && error.constraint && APPEND_RACES.has(error.constraint)) return new UniqueViolation(error.constraint);
  return error;
}

export interface AppendOptions {
  /** Runs inside the transaction after the events are inserted (tests use it to hold a commit back). */
  beforeCommit?: (tx: Tx) => Promise<void>;
}

/**
 * Appends in a transaction of its own. A concurrent writer that wins a stream version surfaces
 * as a ConcurrencyError with the stream's actual version; a concurrent retry of the same events
 * returns the original positions.
 */
export async function append(db: Db, requests: AppendRequest[], options: AppendOptions = {}): Promise<AppendResult[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(
        async (tx) => {
          const results = await appendInTransaction(tx, requests);
          await options.beforeCommit?.(tx);
          return results;
        },
        { maxWait: 10_000, timeout: 60_000 },
      );
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      // The same events were being appended concurrently and the other copy won: the retry reads its result.
      if (error.constraint === 'events_id_key') continue;
      const versions = await db.query<{ stream_id: string; version: number | null }[]>`
        SELECT s AS stream_id, (SELECT max(version) FROM events WHERE stream_id = s) AS version FROM unnest(${requests.map((r) => r.streamId)}::text[]) AS s`;
      for (const request of requests) {
        const actual = Number(versions.find((v) => v.stream_id === request.streamId)?.version ?? 0);
        if (request.expectedVersion !== 'any' && actual !== request.expectedVersion) throw new ConcurrencyError(request.streamId, request.expectedVersion, actual);
      }
      // Only "any" writers raced for the same next versions: go again on the new ones.
      if (attempt >= 10) throw new ConcurrencyError(requests[0]!.streamId, -1, Number(versions[0]?.version ?? 0));
    }
  }
}
