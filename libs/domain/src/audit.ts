import type { Resource } from '@palisade/engine';
import { positionAt, readLastAt, readLog, type Db, type LogFilter, type LogPage, type Page } from '@palisade/event-store';
import { diffResourceSets, type ResourceSetDiff } from './diff.js';
import { resourcesFromSnapshot, sortedByKey } from './resources/snapshots.js';
import { resourceStream, type ResourceEventPayload } from './resources/streams.js';
import { actorsMatching } from './tokens.js';

export interface AuditFilter extends Omit<LogFilter, 'actor'> {
  /** A resource key ("NetworkPolicy/prod/db"): its stream. */
  resource?: string;
  /** An actor, or a token by name or id (see actorsMatching). */
  actor?: string;
}

export type AuditPage = LogPage;

/** The log filtered by resource, stream, actor, correlation id and time range, in position order, a page at a time. */
export async function auditLog(db: Db, filter: AuditFilter, page: Page = {}): Promise<AuditPage> {
  const { resource, actor, ...log } = filter;
  // A resource and a stream id both name a stream: both must hold, as two conditions did before.
  if (resource !== undefined && log.streamId !== undefined && log.streamId !== resourceStream(resource)) return { events: [] };
  return readLog(db, { ...log, ...(resource !== undefined ? { streamId: resourceStream(resource) } : {}), ...(actor !== undefined ? { actor: await actorsMatching(db, actor) } : {}) }, page);
}

/**
 * A point in the history: a position, or a time. A time means "every event recorded at or before
 * it": it is turned into the position of the last such event, so both forms cut the log at one
 * place.
 */
export type AsOf = { position: number } | { time: Date };

export async function positionOf(db: Db, at: AsOf): Promise<number> {
  return 'position' in at ? at.position : positionAt(db, at.time);
}

/** One resource as it was at a point in the history (undefined: it did not exist then). */
export async function resourceAsOf(db: Db, key: string, at: AsOf): Promise<Resource | undefined> {
  const last = await readLastAt(db, resourceStream(key), await positionOf(db, at));
  return (last?.payload as unknown as ResourceEventPayload | undefined)?.after ?? undefined;
}

/**
 * The whole resource set as it was at a point in the history, by key, sorted: from the nearest
 * snapshot and the events after it (resources/snapshots.ts), or, where no snapshot is near, by
 * probing every resource stream.
 */
export async function resourcesAsOf(db: Db, at: AsOf): Promise<Map<string, Resource>> {
  const position = await positionOf(db, at);
  return (await resourcesFromSnapshot(db, position)) ?? resourcesByProbe(db, position);
}

/**
 * The whole resource set at a position with one index probe per resource stream (a skip scan
 * over the distinct streams), not a scan of the log: the answer snapshots must give.
 */
export async function resourcesByProbe(db: Db, position: number): Promise<Map<string, Resource>> {
  const rows = await db.query<{ key: string; after: Resource | null }[]>`
    WITH RECURSIVE streams AS (
      (SELECT stream_id FROM events WHERE stream_type = 'resource' ORDER BY stream_type, stream_id LIMIT 1)
      UNION ALL
      SELECT (SELECT e.stream_id FROM events e WHERE e.stream_type = 'resource' AND e.stream_id > s.stream_id ORDER BY e.stream_type, e.stream_id LIMIT 1)
      FROM streams s WHERE s.stream_id IS NOT NULL
    )
    SELECT last.key, last.after FROM streams s
    CROSS JOIN LATERAL (
      SELECT payload->>'key' AS key, payload->'after' AS after FROM events e WHERE e.stream_type = 'resource' AND e.stream_id = s.stream_id AND e.position <= ${position}
      ORDER BY e.position DESC LIMIT 1
    ) last
    WHERE s.stream_id IS NOT NULL`;
  const out = new Map<string, Resource>();
  for (const { key, after } of rows) if (after) out.set(key, after);
  return sortedByKey(out);
}

/** What changed in the resource set between two points in the history. */
export async function diffBetween(db: Db, from: AsOf, to: AsOf): Promise<ResourceSetDiff> {
  const [a, b] = await Promise.all([resourcesAsOf(db, from), resourcesAsOf(db, to)]);
  return diffResourceSets(a, b);
}
