import { EVENTS_PER_CHANGE } from '@palisade/contracts';
import { canonicalJson, sha256Hex } from './canonical.js';
import { InvalidEventError } from './errors.js';
import type { AppendRequest, JsonValue, NewEvent, RecordedEvent } from './types.js';

// What an append checks and computes before it talks to the database, shared by the append in
// a caller's transaction and the append in one statement.

export const LIMITS = {
  // The largest append is one change to the policy set, which is all or nothing: its limit is ours.
  eventsPerAppend: EVENTS_PER_CHANGE,
  payloadBytes: 1024 * 1024,
  streamIdLength: 512,
  actorLength: 256,
  reasonLength: 4_096,
  typeLength: 128,
} as const;

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

/** An append checked: its event ids (lower case), in order, and each event's payload as JSON. */
export interface PreparedAppend {
  ids: string[];
  payloads: string[];
}

/** Checks a whole append (every stream, every event, the sizes), naming the first problem. */
export function prepareAppend(requests: AppendRequest[]): PreparedAppend {
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
  return { ids, payloads };
}

/** An event as inserted (its version, content hash and MAC made here), its payload as JSON text. */
export type EventRow = Omit<RecordedEvent, 'position' | 'recordedAt' | 'payload'> & { payload: string };

/** The rows of a prepared append, each stream's events numbered on from `versionOf` its stream. */
export function eventRows(
  requests: AppendRequest[],
  prepared: PreparedAppend,
  versionOf: (request: AppendRequest) => number,
  recordedAt: Date,
  sign: ((hash: string) => string) | undefined,
): EventRow[] {
  const rows: EventRow[] = [];
  let index = 0;
  for (const request of requests) {
    const current = versionOf(request);
    request.events.forEach((event, i) => {
      const row: EventRow = {
        id: event.id.toLowerCase(),
        streamId: request.streamId,
        streamType: streamTypeOf(request.streamId),
        version: current + i + 1,
        type: event.type,
        schemaVersion: event.schemaVersion ?? 1,
        payload: prepared.payloads[index++]!,
        actor: event.actor,
        reason: event.reason ?? null,
        correlationId: event.correlationId?.toLowerCase() ?? null,
        causationId: event.causationId?.toLowerCase() ?? null,
        contentHash: '',
        mac: null,
      };
      row.contentHash = sha256Hex(hashedContent({ ...row, payload: JSON.parse(row.payload) as JsonValue, recordedAt }));
      row.mac = sign?.(row.contentHash) ?? null;
      rows.push(row);
    });
  }
  return rows;
}
