import { ConcurrencyError, InvalidEventError } from './errors.js';
import { columns, duplicateResult, results, translateUniqueViolation, type Existing } from './outcomes.js';
import { eventRows, prepareAppend, type PreparedAppend } from './prepare.js';
import type { AppendRequest, AppendResult, Db, Tx } from './types.js';

/**
 * The same append as one statement in autocommit (the events_append function, see its migration):
 * one round trip instead of four, for appends whose every stream names its expected version (the
 * versions, and so the content hashes, are known before the database is asked). Inside a caller's
 * transaction it is one statement of that transaction.
 */
export async function appendInOneStatement(db: Db | Tx, requests: AppendRequest[]): Promise<AppendResult[]> {
  const prepared = prepareOneStatement(requests);
  const outcome = await runOneStatement(db, requests, prepared);
  if (outcome.kind === 'duplicate') return duplicateResult(requests, prepared.ids, outcome.existing);
  if (outcome.kind === 'conflict') throw outcome.error;
  return outcome.results;
}

/** Checks an append for one statement: every stream must name its expected version. */
export function prepareOneStatement(requests: AppendRequest[]): PreparedAppend {
  const prepared = prepareAppend(requests);
  const any = requests.findIndex((r) => r.expectedVersion === 'any');
  // Named by its first event, as the other checks name a request.
  if (any >= 0)
    throw new InvalidEventError(
      requests.slice(0, any).reduce((n, r) => n + r.events.length, 0),
      'expectedVersion',
      'must be a number in a one-statement append: "any" needs the versions read first (append does that)',
    );
  return prepared;
}

/** What one events_append statement did: appended, nothing (some ids were appended before), or nothing (a stream moved on). */
export type OneStatementOutcome = { kind: 'appended'; results: AppendResult[] } | { kind: 'duplicate'; existing: Existing[] } | { kind: 'conflict'; error: ConcurrencyError };

/** Runs a prepared append as one events_append statement. */
export async function runOneStatement(db: Db | Tx, requests: AppendRequest[], prepared: PreparedAppend): Promise<OneStatementOutcome> {
  const expected = (request: AppendRequest) => request.expectedVersion as number;
  const recordedAt = new Date();
  const c = columns(eventRows(requests, prepared, expected, recordedAt, db.eventKey ? (hash) => db.eventKey!.sign(hash) : undefined));
  let rows: { outcome: 'duplicate' | 'conflict' | 'appended'; id: string | null; position: bigint | null; stream_id: string; version: number }[];
  try {
    rows = await db.query`
      SELECT * FROM events_append(${c.ids}::uuid[], ${c.streamIds}::text[], ${c.streamTypes}::text[], ${c.versions}::int[], ${c.types}::text[],
        ${c.schemaVersions}::int[], ${c.payloads}::text[], ${c.actors}::text[], ${c.reasons}::text[], ${c.correlationIds}::uuid[], ${c.causationIds}::uuid[],
        ${c.hashes}::text[], ${c.macs}::text[], ${recordedAt}::timestamptz, ${requests.map((r) => r.streamId)}::text[], ${requests.map(expected)}::int[])`;
  } catch (error) {
    throw translateUniqueViolation(error);
  }
  if (rows[0]?.outcome === 'duplicate') return { kind: 'duplicate', existing: rows.map((r) => ({ id: r.id!, position: Number(r.position), stream: r.stream_id, version: r.version })) };
  const conflicts = new Map(rows.filter((r) => r.outcome === 'conflict').map((r) => [r.stream_id, r.version]));
  // The first stream out of line, in the caller's order, as the multi-statement append reports it.
  const stale = requests.find((r) => conflicts.has(r.streamId));
  if (stale) return { kind: 'conflict', error: new ConcurrencyError(stale.streamId, expected(stale), conflicts.get(stale.streamId)!) };
  return { kind: 'appended', results: results(requests, expected, new Map(rows.map((r) => [r.id!, Number(r.position)]))) };
}
