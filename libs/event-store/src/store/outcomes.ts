import { DbError, UNIQUE_VIOLATION } from '../sql/client.js';
import { IdempotencyError } from './errors.js';
import type { EventRow } from './prepare.js';
import type { AppendRequest, AppendResult } from './types.js';

// What the two ways of appending share: rows as INSERT columns, results, duplicates and races.

export interface Existing {
  id: string;
  position: number;
  stream: string;
  version: number;
}

/** The rows as the columns of the INSERT (PostgreSQL arrays, unnested side by side). */
export function columns(rows: EventRow[]) {
  const col = <K extends keyof EventRow>(key: K) => rows.map((r) => r[key]);
  return {
    ids: col('id'),
    streamIds: col('streamId'),
    streamTypes: col('streamType'),
    versions: col('version'),
    types: col('type'),
    schemaVersions: col('schemaVersion'),
    payloads: col('payload'),
    actors: col('actor'),
    reasons: col('reason'),
    correlationIds: col('correlationId'),
    causationIds: col('causationId'),
    hashes: col('contentHash'),
    macs: col('mac'),
  };
}

/** Each stream's version after the append, and its events' positions. */
export function results(requests: AppendRequest[], versionOf: (request: AppendRequest) => number, positionOf: Map<string, number>): AppendResult[] {
  return requests.map((request) => ({
    streamId: request.streamId,
    version: versionOf(request) + request.events.length,
    positions: request.events.map((e) => positionOf.get(e.id.toLowerCase())!),
    duplicate: false,
  }));
}

export function duplicateResult(requests: AppendRequest[], ids: string[], existing: Existing[]): AppendResult[] {
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
export class UniqueViolation extends Error {
  constructor(readonly constraint: string) {
    super(`unique violation on ${constraint}`);
  }
}

/** The two unique keys a concurrent append can collide on; any other error passes through. */
const APPEND_RACES = new Set(['events_id_key', 'events_stream_id_version_key']);

export function translateUniqueViolation(error: unknown): unknown {
  if (error instanceof DbError && error.code === UNIQUE_VIOLATION && error.constraint && APPEND_RACES.has(error.constraint)) return new UniqueViolation(error.constraint);
  return error;
}
