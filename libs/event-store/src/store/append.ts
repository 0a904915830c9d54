import { ConcurrencyError } from './errors.js';
import { appendGrouped } from './group-append.js';
import { columns, duplicateResult, results, translateUniqueViolation, UniqueViolation, type Existing } from './outcomes.js';
import { eventRows, prepareAppend } from './prepare.js';
import type { AppendRequest, AppendResult, Db, Tx } from './types.js';

export { LIMITS, streamTypeOf, hashedContent } from './prepare.js';
export { appendInOneStatement } from './one-statement.js';

/** Channel readers LISTEN on to wake up early; it never carries events, only the hint that some exist. */
export const NOTIFY_CHANNEL = 'palisade_events';

/**
 * Appends events to one or more streams in the caller's transaction, all or nothing. Each stream
 * must be at its expected version; events whose ids were all appended before are a no-op that
 * returns the original positions.
 */
export async function appendInTransaction(tx: Tx, requests: AppendRequest[]): Promise<AppendResult[]> {
  const prepared = prepareAppend(requests);
  const { ids } = prepared;
  const streams = requests.map((r) => r.streamId);
  // The transaction takes its id before any position: readers rely on that to know when every
  // position up to a point is final (see horizon/committed.ts). Then: ids seen before, streams' versions.
  const [state] = await tx.query<{ existing: Existing[] | null; versions: { stream: string; version: number }[] | null }[]>`
    SELECT pg_current_xact_id()::text AS xid,
      (SELECT json_agg(json_build_object('id', id, 'position', position, 'stream', stream_id, 'version', version) ORDER BY position)
         FROM events WHERE id = ANY(${ids}::uuid[])) AS existing,
      (SELECT json_agg(json_build_object('stream', stream_id, 'version', v))
         FROM (SELECT stream_id, max(version) AS v FROM events WHERE stream_id = ANY(${streams}::text[]) GROUP BY stream_id) s) AS versions`;
  const existing = state?.existing ?? [];
  if (existing.length) return duplicateResult(requests, ids, existing);
  const versions = new Map((state?.versions ?? []).map((v) => [v.stream, Number(v.version)]));
  const versionOf = (request: AppendRequest) => versions.get(request.streamId) ?? 0;
  for (const request of requests) {
    const current = versionOf(request);
    if (request.expectedVersion !== 'any' && request.expectedVersion !== current) throw new ConcurrencyError(request.streamId, request.expectedVersion, current);
  }
  const recordedAt = new Date();
  const c = columns(eventRows(requests, prepared, versionOf, recordedAt, tx.eventKey ? (hash) => tx.eventKey!.sign(hash) : undefined));
  let inserted: { id: string; position: bigint }[];
  try {
    inserted = await tx.query<{ id: string; position: bigint }[]>`
      WITH ins AS (
        INSERT INTO events (id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, causation_id, recorded_at, content_hash, mac)
        SELECT u.id, u.stream_id, u.stream_type, u.version, u.type, u.schema_version, u.payload::jsonb, u.actor, u.reason, u.correlation_id, u.causation_id, ${recordedAt}::timestamptz, u.content_hash, u.mac
        FROM unnest(${c.ids}::uuid[], ${c.streamIds}::text[], ${c.streamTypes}::text[], ${c.versions}::int[], ${c.types}::text[],
                    ${c.schemaVersions}::int[], ${c.payloads}::text[], ${c.actors}::text[], ${c.reasons}::text[],
                    ${c.correlationIds}::uuid[], ${c.causationIds}::uuid[], ${c.hashes}::text[], ${c.macs}::text[])
          AS u(id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, causation_id, content_hash, mac)
        RETURNING id::text, position
      )
      SELECT ins.id, ins.position FROM ins, (SELECT pg_notify(${NOTIFY_CHANNEL}, '')) n`;
  } catch (error) {
    throw translateUniqueViolation(error);
  }
  return results(requests, versionOf, new Map(inserted.map((r) => [r.id, Number(r.position)])));
}

export interface AppendOptions {
  /** Runs inside the transaction after the events are inserted (tests use it to hold a commit back). */
  beforeCommit?: (tx: Tx) => Promise<void>;
}

/**
 * Appends in a transaction of its own: one statement when every stream names its expected version,
 * else a transaction of four. A concurrent writer that wins a stream version surfaces as a
 * ConcurrencyError with the stream's actual version; a concurrent retry of the same events
 * returns the original positions.
 */
export async function append(db: Db, requests: AppendRequest[], options: AppendOptions = {}): Promise<AppendResult[]> {
  // One statement when every stream names its version and no hook needs the transaction open.
  const oneStatement = !options.beforeCommit && requests.every((r) => r.expectedVersion !== 'any');
  for (let attempt = 1; ; attempt++) {
    try {
      if (oneStatement) return await appendGrouped(db, requests);
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
