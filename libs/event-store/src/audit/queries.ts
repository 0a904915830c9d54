import type { Resource } from '@palisade/engine';
import { diffResourceSets, type ResourceSetDiff } from '../domain/diff.js';
import { resourceStream, type ResourceEventPayload } from '../domain/resources.js';
import { EventStoreError } from '../store/errors.js';
import { EVENT_COLUMNS, queryEvents, toRecordedEvent } from '../store/read.js';
import type { Db, RecordedEvent } from '../store/types.js';

export interface AuditFilter {
  /** A resource key ("NetworkPolicy/prod/db"): its stream. */
  resource?: string;
  /** Any stream by id ("cluster/east", "release/<hash>"). */
  streamId?: string;
  streamType?: string;
  actor?: string;
  correlationId?: string;
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before. */
  to?: Date;
}

export interface Page {
  /** Continue after this position (the previous page's `next`). */
  after?: number;
  /** At most 1,000 (default 100). */
  limit?: number;
}

export interface AuditPage {
  events: RecordedEvent[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: number;
}

export const MAX_PAGE = 1_000;

/** The log filtered by resource, actor, correlation id and time range, in position order, a page at a time. */
export async function auditLog(db: Db, filter: AuditFilter, page: Page = {}): Promise<AuditPage> {
  checkPage(page);
  const limit = Math.min(Math.max(1, Math.floor(page.limit ?? 100)), MAX_PAGE);
  const where: string[] = ['position > $1'];
  const params: unknown[] = [page.after ?? 0];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.resource !== undefined) add('stream_id = ?', resourceStream(filter.resource));
  if (filter.streamId !== undefined) add('stream_id = ?', filter.streamId);
  if (filter.streamType !== undefined) add('stream_type = ?', filter.streamType);
  if (filter.actor !== undefined) add('actor = ?', filter.actor);
  if (filter.correlationId !== undefined) add('correlation_id = ?::uuid', filter.correlationId);
  if (filter.from !== undefined) add('recorded_at >= ?', filter.from);
  if (filter.to !== undefined) add('recorded_at < ?', filter.to);
  let events: RecordedEvent[];
  if ((filter.from !== undefined || filter.to !== undefined) && (await narrowTimeRange(db, filter))) {
    // A narrow time range far into the log: walking positions from the start to find it is slow,
    // so take its few events through the time index, then order them by position.
    const sql = `SELECT ${EVENT_COLUMNS} FROM (SELECT * FROM events WHERE ${where.join(' AND ')} OFFSET 0) e ORDER BY position LIMIT ${limit + 1}`;
    events = (await db.$queryRawUnsafe<Parameters<typeof toRecordedEvent>[0][]>(sql, ...params)).map(toRecordedEvent);
  } else events = await queryEvents(db, where.join(' AND '), params, 'position', limit + 1);
  const more = events.length > limit;
  const shown = more ? events.slice(0, limit) : events;
  return { events: shown, ...(more ? { next: shown[shown.length - 1]!.position } : {}) };
}

/** True when the time range holds at most 10,000 events (counted through the time index, stopping there). */
async function narrowTimeRange(db: Db, filter: AuditFilter): Promise<boolean> {
  const [row] = await db.$queryRawUnsafe<{ n: bigint }[]>(
    'SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE recorded_at >= $1::timestamptz AND recorded_at < $2::timestamptz LIMIT 10001) s',
    filter.from?.toISOString() ?? '-infinity',
    filter.to?.toISOString() ?? 'infinity',
  );
  return Number(row?.n ?? 0) <= 10_000;
}

/**
 * A point in the history: a position, or a time. A time means "every event recorded at or before
 * it": it is turned into the position of the last such event, so both forms cut the log at one
 * place.
 */
export type AsOf = { position: number } | { time: Date };

export async function positionOf(db: Db, at: AsOf): Promise<number> {
  if ('position' in at) return at.position;
  const [row] = await db.$queryRaw<{ position: bigint | null }[]>`
    SELECT position FROM events WHERE recorded_at <= ${at.time} ORDER BY recorded_at DESC, position DESC LIMIT 1`;
  return Number(row?.position ?? 0);
}

/** One resource as it was at a point in the history (undefined: it did not exist then). */
export async function resourceAsOf(db: Db, key: string, at: AsOf): Promise<Resource | undefined> {
  const position = await positionOf(db, at);
  const [last] = await queryEvents(db, 'stream_type = $1 AND stream_id = $2 AND position <= $3', ['resource', resourceStream(key), position], 'position DESC', 1);
  return (last?.payload as unknown as ResourceEventPayload | undefined)?.after ?? undefined;
}

/**
 * The whole resource set as it was at a point in the history, by key. One index probe per
 * resource stream (a skip scan over the distinct streams), not a scan of the log.
 */
export async function resourcesAsOf(db: Db, at: AsOf): Promise<Map<string, Resource>> {
  const position = await positionOf(db, at);
  const rows = await db.$queryRaw<{ key: string; after: Resource | null }[]>`
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
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What changed in the resource set between two points in the history. */
export async function diffBetween(db: Db, from: AsOf, to: AsOf): Promise<ResourceSetDiff> {
  const [a, b] = await Promise.all([resourcesAsOf(db, from), resourcesAsOf(db, to)]);
  return diffResourceSets(a, b);
}

/** Checks a page size or position from outside (the API) before it reaches SQL. */
export function checkPage(page: Page): void {
  if (page.after !== undefined && (!Number.isSafeInteger(page.after) || page.after < 0)) throw new EventStoreError('VALIDATION_FAILED', '`after` must be a position (a whole number >= 0)');
  if (page.limit !== undefined && (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE)) throw new EventStoreError('VALIDATION_FAILED', `\`limit\` must be 1 to ${MAX_PAGE}`);
}
