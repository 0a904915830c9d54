import { FlowAction, type FlowRecord } from '@palisade/contracts';
import type { DbTx } from '@palisade/event-store';
import { z } from 'zod';

/** What `palisade flows` and flows.query filter by. Every field narrows; none is required. */
export const FlowFilter = z
  .object({
    cluster: z.string().max(63).optional(),
    namespace: z.string().max(253).optional(),
    /** An endpoint's name (either side), or an IP address. */
    endpoint: z.string().max(253).optional(),
    action: FlowAction.optional(),
    /** A deciding policy: "tier/kind/policy/rule", or a prefix of it ("default/NetworkPolicy/demo/api-ingress"). */
    policy: z.string().max(600).optional(),
    since: z.date().optional(),
    until: z.date().optional(),
    limit: z.number().int().min(1).max(10_000).default(1_000),
  })
  .strict();
export type FlowFilter = z.input<typeof FlowFilter>;

interface Row {
  id: string;
  start_time: Date;
  end_time: Date;
  cluster: string;
  node: string;
  reporter: 'src' | 'dst';
  action: 'Allow' | 'Deny';
  policy: string;
  protocol: string;
  port: number | null;
  src_namespace: string | null;
  src_name: string | null;
  src_ip: string | null;
  src_labels: Record<string, string>;
  dst_namespace: string | null;
  dst_name: string | null;
  dst_ip: string | null;
  dst_labels: Record<string, string>;
  packets: string;
  bytes: string;
  connections_started: number;
  connections_completed: number;
}

const toRecord = (r: Row): FlowRecord => ({
  id: r.id,
  cluster: r.cluster,
  node: r.node,
  reporter: r.reporter,
  startTime: r.start_time.toISOString(),
  endTime: r.end_time.toISOString(),
  source: { namespace: r.src_namespace, name: r.src_name, labels: r.src_labels, ip: r.src_ip },
  destination: { namespace: r.dst_namespace, name: r.dst_name, labels: r.dst_labels, ip: r.dst_ip },
  protocol: r.protocol,
  port: r.port,
  action: r.action,
  policy: r.policy,
  packets: Number(r.packets),
  bytes: Number(r.bytes),
  connectionsStarted: r.connections_started,
  connectionsCompleted: r.connections_completed,
});

/**
 * The filter as a WHERE clause over numbered parameters $1..$7, shared by every question asked of
 * flow_records; callers append their own conditions after it with parameters from $8.
 */
function filterSql(input: FlowFilter): { where: string; params: unknown[]; limit: number } {
  const f = FlowFilter.parse(input);
  const policyPrefix = f.policy === undefined ? null : f.policy.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  return {
    where: `($1::text IS NULL OR cluster = $1) AND ($2::text IS NULL OR src_namespace = $2 OR dst_namespace = $2)
      AND ($3::text IS NULL OR $3 IN (src_name, dst_name, src_ip, dst_ip)) AND ($4::text IS NULL OR action = $4)
      AND ($5::text IS NULL OR policy LIKE $5) AND ($6::timestamptz IS NULL OR end_time >= $6) AND ($7::timestamptz IS NULL OR start_time < $7)`,
    params: [f.cluster ?? null, f.namespace ?? null, f.endpoint ?? null, f.action ?? null, policyPrefix, f.since ?? null, f.until ?? null],
    limit: f.limit,
  };
}

/** Records matching the filter, newest first. */
export async function queryFlows(db: DbTx, input: FlowFilter): Promise<FlowRecord[]> {
  const { where, params, limit } = filterSql(input);
  const rows = await db.queryText<Row[]>(`SELECT * FROM flow_records WHERE ${where} ORDER BY start_time DESC, id LIMIT ${limit}`, ...params);
  return rows.map(toRecord);
}

/** Where a reader of live records is: the last record's ingestion time and id (opaque to callers). */
export type FlowCursor = string;
const encodeCursor = (at: Date, id: string): FlowCursor => `${at.toISOString()}|${id}`;
function decodeCursor(cursor: FlowCursor): { at: Date; id: string } {
  const [at, id] = cursor.split('|');
  const time = new Date(at ?? '');
  if (id === undefined || Number.isNaN(time.getTime())) throw new RangeError(`${JSON.stringify(cursor)} is not a flow cursor`);
  return { at: time, id };
}

/**
 * A row's ingested_at is its transaction's start, and a transaction may commit after a later
 * one: rows younger than this are left for the next read, so a cursor never steps over a row
 * that commits late (ingest transactions take milliseconds; live readers are this far behind).
 */
const SETTLE_SECONDS = 5;

/** A cursor at now less the settle time: nothing older is read after it. */
export async function flowCursorNow(db: DbTx): Promise<FlowCursor> {
  const [row] = await db.query<{ at: Date }[]>`SELECT now() - make_interval(secs => ${SETTLE_SECONDS}) AS at`;
  return encodeCursor(row!.at, '');
}

/**
 * Records stored after a cursor, in the order ingest stored them, and the cursor to continue
 * from; without one, from now (nothing older). What `palisade flows --follow` reads: every record.
 */
export async function flowsAfter(db: DbTx, input: FlowFilter, cursor?: FlowCursor): Promise<{ records: FlowRecord[]; cursor: FlowCursor }> {
  if (!cursor) return { records: [], cursor: await flowCursorNow(db) };
  const { where, params, limit } = filterSql(input);
  const from = decodeCursor(cursor);
  const rows = await db.queryText<(Row & { ingested_at: Date })[]>(
    `SELECT * FROM flow_records
     WHERE (ingested_at, id) > ($8::timestamptz, $9) AND ingested_at < now() - make_interval(secs => ${SETTLE_SECONDS}) AND ${where}
     ORDER BY ingested_at, id LIMIT ${limit}`,
    ...params,
    from.at,
    from.id,
  );
  const last = rows.at(-1);
  return { records: rows.map(toRecord), cursor: last ? encodeCursor(last.ingested_at, last.id) : cursor };
}

/**
 * The newest records stored after a cursor (oldest of them first), how many older ones after
 * the cursor were passed over, and the cursor after the newest: what a live view reads, so that
 * it shows the present however fast records arrive instead of working through a backlog.
 * Counting what was passed over stops at 1,000,000 (a reader that comes back after hours).
 */
export async function newestFlowsAfter(db: DbTx, input: FlowFilter, cursor: FlowCursor): Promise<{ records: FlowRecord[]; skipped: number; cursor: FlowCursor }> {
  const { where, params, limit } = filterSql(input);
  const from = decodeCursor(cursor);
  const after = `(ingested_at, id) > ($8::timestamptz, $9) AND ingested_at < now() - make_interval(secs => ${SETTLE_SECONDS}) AND ${where}`;
  const rows = await db.queryText<(Row & { ingested_at: Date })[]>(`SELECT * FROM flow_records WHERE ${after} ORDER BY ingested_at DESC, id DESC LIMIT ${limit}`, ...params, from.at, from.id);
  const newest = rows[0];
  if (!newest) return { records: [], skipped: 0, cursor };
  let skipped = 0;
  if (rows.length === limit) {
    const oldestShown = rows.at(-1)!;
    const [count] = await db.queryText<{ n: string }[]>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM flow_records WHERE ${after} AND (ingested_at, id) < ($10::timestamptz, $11) LIMIT 1000000) older`,
      ...params,
      from.at,
      from.id,
      oldestShown.ingested_at,
      oldestShown.id,
    );
    skipped = Number(count?.n ?? 0);
  }
  return { records: rows.reverse().map(toRecord), skipped, cursor: encodeCursor(newest.ingested_at, newest.id) };
}

export interface FlowBucket {
  start: string;
  action: 'Allow' | 'Deny';
  records: number;
  packets: number;
  bytes: number;
}

/** Totals per interval and action over the filter's records: what charts of allowed and denied traffic draw. */
export async function aggregateFlows(db: DbTx, input: FlowFilter, intervalSeconds: number): Promise<FlowBucket[]> {
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1 || intervalSeconds > 86_400) throw new RangeError('the interval is 1 to 86400 seconds');
  const { where, params, limit } = filterSql(input);
  const rows = await db.queryText<{ start: Date; action: 'Allow' | 'Deny'; records: string; packets: string; bytes: string }[]>(
    `SELECT to_timestamp(floor(extract(epoch FROM start_time) / ${intervalSeconds}) * ${intervalSeconds}) AS start, action,
            count(*) AS records, sum(packets) AS packets, sum(bytes) AS bytes
     FROM flow_records WHERE ${where}
     GROUP BY 1, 2 ORDER BY 1, 2 LIMIT ${limit}`,
    ...params,
  );
  return rows.map((r) => ({ start: r.start.toISOString(), action: r.action, records: Number(r.records), packets: Number(r.packets), bytes: Number(r.bytes) }));
}

export interface TopEntry {
  /** "src → dst proto/port" for flows, the "tier/kind/policy/rule" for policies. */
  key: string;
  action: 'Allow' | 'Deny';
  records: number;
  packets: number;
  /** For flows: the two ends and the port, so a reader can ask the simulator why. */
  flow?: { from: string; to: string; protocol: string; port: number | null };
}

/**
 * The busiest denied flows (by records) or the policy rules that decided the most records, over
 * the filter: counted in the database, whatever the window holds.
 */
export async function topFlows(db: DbTx, input: FlowFilter, by: 'denied-flows' | 'policies', limit = 10): Promise<TopEntry[]> {
  const { where, params } = filterSql(input);
  const top = Math.min(Math.max(1, limit), 100);
  if (by === 'policies') {
    const rows = await db.queryText<{ policy: string; action: 'Allow' | 'Deny'; records: string; packets: string }[]>(
      `SELECT policy, action, count(*) AS records, sum(packets) AS packets FROM flow_records WHERE ${where} GROUP BY policy, action ORDER BY count(*) DESC, policy LIMIT ${top}`,
      ...params,
    );
    return rows.map((r) => ({ key: r.policy, action: r.action, records: Number(r.records), packets: Number(r.packets) }));
  }
  const rows = await db.queryText<{ src: string; dst: string; protocol: string; port: number | null; records: string; packets: string }[]>(
    `SELECT coalesce(src_namespace || '/' || src_name, src_ip, '?') AS src, coalesce(dst_namespace || '/' || dst_name, dst_ip, '?') AS dst, protocol, port,
            count(*) AS records, sum(packets) AS packets
     FROM flow_records WHERE ${where} AND action = 'Deny'
     GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC, 1, 2 LIMIT ${top}`,
    ...params,
  );
  return rows.map((r) => ({
    key: `${r.src} → ${r.dst} ${r.protocol}${r.port ? `/${r.port}` : ''}`,
    action: 'Deny' as const,
    records: Number(r.records),
    packets: Number(r.packets),
    flow: { from: r.src, to: r.dst, protocol: r.protocol, port: r.port },
  }));
}
