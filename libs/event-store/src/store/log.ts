import { EventStoreError } from './errors.js';
import { EVENT_COLUMNS, queryEvents, toRecordedEvent, type EventRow } from './read.js';
import type { Db, RecordedEvent } from './types.js';

/** Which events of the log to read: every field is optional and they combine with AND. */
export interface LogFilter {
  streamId?: string;
  streamType?: string;
  /** The event type ("ResourceApplied", "ReleaseCreated" ...). */
  type?: string;
  /** One actor, or any of several (the audit's filter by token name or id). */
  actor?: string | readonly string[];
  correlationId?: string;
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before. */
  to?: Date;
}

export interface Page {
  /** Continue after this position (the previous page's `next`). */
  after?: number;
  /** Newest first: events below this position (the previous page's `next`), highest first. */
  before?: number;
  /** At most 1,000 (default 100). */
  limit?: number;
}

export interface LogPage {
  events: RecordedEvent[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: number;
}

export const MAX_PAGE = 1_000;

/** The log filtered by stream, type, actor, correlation id and time range, in position order (or newest first with `before`), a page at a time. */
export async function readLog(db: Db, filter: LogFilter, page: Page = {}): Promise<LogPage> {
  checkPage(page);
  const limit = Math.min(Math.max(1, Math.floor(page.limit ?? 100)), MAX_PAGE);
  const newestFirst = page.before !== undefined;
  const where: string[] = [newestFirst ? 'position < $1' : 'position > $1'];
  const params: unknown[] = [newestFirst ? page.before : (page.after ?? 0)];
  const order = newestFirst ? 'position DESC' : 'position';
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.streamId !== undefined) add('stream_id = ?', filter.streamId);
  if (filter.streamType !== undefined) add('stream_type = ?', filter.streamType);
  if (filter.type !== undefined) add('type = ?', filter.type);
  if (typeof filter.actor === 'string') add('actor = ?', filter.actor);
  else if (filter.actor !== undefined) add('actor = ANY(?::text[])', filter.actor);
  if (filter.correlationId !== undefined) add('correlation_id = ?::uuid', filter.correlationId);
  if (filter.from !== undefined) add('recorded_at >= ?', filter.from);
  if (filter.to !== undefined) add('recorded_at < ?', filter.to);
  let events: RecordedEvent[];
  if ((filter.from !== undefined || filter.to !== undefined) && (await narrowTimeRange(db, filter))) {
    // A narrow time range far into the log: walking positions from the start to find it is slow,
    // so take its few events through the time index, then order them by position.
    const sql = `SELECT ${EVENT_COLUMNS} FROM (SELECT * FROM events WHERE ${where.join(' AND ')} OFFSET 0) e ORDER BY ${order} LIMIT ${limit + 1}`;
    events = (await db.queryText<EventRow[]>(sql, ...params)).map(toRecordedEvent);
  } else events = await queryEvents(db, where.join(' AND '), params, order, limit + 1);
  const more = events.length > limit;
  const shown = more ? events.slice(0, limit) : events;
  return { events: shown, ...(more ? { next: shown[shown.length - 1]!.position } : {}) };
}

/** True when the time range holds at most 10,000 events (counted through the time index, stopping there). */
async function narrowTimeRange(db: Db, filter: LogFilter): Promise<boolean> {
  const [row] = await db.queryText<{ n: bigint }[]>(
    'SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE recorded_at >= $1::timestamptz AND recorded_at < $2::timestamptz LIMIT 10001) s',
    filter.from?.toISOString() ?? '-infinity',
    filter.to?.toISOString() ?? 'infinity',
  );
  return Number(row?.n ?? 0) <= 10_000;
}

/** Checks a page size or position from outside (the API) before it reaches SQL. */
export function checkPage(page: Page): void {
  if (page.after !== undefined && (!Number.isSafeInteger(page.after) || page.after < 0)) throw new EventStoreError('INVALID_QUERY', '`after` must be a position (a whole number >= 0)');
  if (page.before !== undefined && (!Number.isSafeInteger(page.before) || page.before < 1)) throw new EventStoreError('INVALID_QUERY', '`before` must be a position (a whole number >= 1)');
  if (page.before !== undefined && page.after !== undefined) throw new EventStoreError('INVALID_QUERY', 'give `after` (oldest first) or `before` (newest first), not both');
  if (page.limit !== undefined && (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE)) throw new EventStoreError('INVALID_QUERY', `\`limit\` must be 1 to ${MAX_PAGE}`);
}

/** The position of the last event recorded at or before a time (0: none was). */
export async function positionAt(db: Db, time: Date): Promise<number> {
  const [row] = await db.query<{ position: bigint | null }[]>`
    SELECT position FROM events WHERE recorded_at <= ${time} ORDER BY recorded_at DESC, position DESC LIMIT 1`;
  return Number(row?.position ?? 0);
}
