import type { FlowEndpoint, FlowRecord } from '@palisade/contracts';
import type { DbTx } from '@palisade/event-store';

/** One conversation seen in a window: the two ends, protocol, port and verdict, with how many records saw it. */
export interface DistinctFlow {
  source: FlowEndpoint;
  destination: FlowEndpoint;
  protocol: string;
  port: number | null;
  action: FlowRecord['action'];
  records: number;
  packets: number;
  bytes: number;
}

export interface DistinctFlowFilter {
  /** Flows with this namespace at either end. */
  namespace: string;
  since: Date;
  until: Date;
  cluster?: string | undefined;
  action?: FlowRecord['action'] | undefined;
  /** At most this many conversations (the busiest first). */
  limit?: number | undefined;
}

/** The two ends of a flow as flow_records stores them. */
interface EndsRow {
  src_namespace: string | null;
  src_name: string | null;
  src_ip: string | null;
  src_labels: Record<string, string>;
  dst_namespace: string | null;
  dst_name: string | null;
  dst_ip: string | null;
  dst_labels: Record<string, string>;
}

const endsOf = (r: EndsRow): { source: FlowEndpoint; destination: FlowEndpoint } => ({
  source: { namespace: r.src_namespace, name: r.src_name, labels: r.src_labels, ip: r.src_ip },
  destination: { namespace: r.dst_namespace, name: r.dst_name, labels: r.dst_labels, ip: r.dst_ip },
});

/**
 * The distinct conversations of a namespace over a window, counted in the database: an hour of a
 * busy namespace is millions of records but a few hundred conversations, and recommendations
 * need only those.
 */
export async function distinctFlows(db: DbTx, filter: DistinctFlowFilter): Promise<{ flows: DistinctFlow[]; truncated: boolean }> {
  const limit = Math.min(Math.max(1, filter.limit ?? 50_000), 200_000);
  const rows = await db.query<
    (EndsRow & {
      protocol: string;
      port: number | null;
      action: FlowRecord['action'];
      records: string;
      packets: string;
      bytes: string;
    })[]
  >`
    SELECT src_namespace, src_name, src_ip, src_labels, dst_namespace, dst_name, dst_ip, dst_labels, protocol, port, action,
           count(*) AS records, sum(packets) AS packets, sum(bytes) AS bytes
    FROM flow_records
    WHERE (src_namespace = ${filter.namespace} OR dst_namespace = ${filter.namespace})
      AND end_time >= ${filter.since} AND start_time < ${filter.until}
      AND (${filter.cluster ?? null}::text IS NULL OR cluster = ${filter.cluster ?? null})
      AND (${filter.action ?? null}::text IS NULL OR action = ${filter.action ?? null})
    GROUP BY src_namespace, src_name, src_ip, src_labels, dst_namespace, dst_name, dst_ip, dst_labels, protocol, port, action
    ORDER BY count(*) DESC, src_name, dst_name
    LIMIT ${limit + 1}`;
  const flows = rows.slice(0, limit).map((r) => ({
    ...endsOf(r),
    protocol: r.protocol,
    port: r.port,
    action: r.action,
    records: Number(r.records),
    packets: Number(r.packets),
    bytes: Number(r.bytes),
  }));
  return { flows, truncated: rows.length > limit };
}

/** Traffic between two ends on one port with one verdict by one rule, over a window: a service graph's raw edges. */
export interface FlowEdge {
  source: FlowEndpoint;
  destination: FlowEndpoint;
  protocol: string;
  port: number | null;
  action: FlowRecord['action'];
  policy: string;
  /** Which end saw it: the source's egress or the destination's ingress. */
  reporter: FlowRecord['reporter'];
  records: number;
  bytes: number;
}

/** Every distinct (ends, port, verdict, rule) of a window, busiest first, up to `limit`. */
export async function flowEdges(
  db: DbTx,
  filter: { since: Date; until: Date; cluster?: string | undefined; namespace?: string | undefined; limit?: number | undefined },
): Promise<{ edges: FlowEdge[]; truncated: boolean }> {
  const limit = Math.min(Math.max(1, filter.limit ?? 20_000), 100_000);
  const rows = await db.query<
    (EndsRow & {
      protocol: string;
      port: number | null;
      action: FlowRecord['action'];
      policy: string;
      reporter: FlowRecord['reporter'];
      records: string;
      bytes: string;
    })[]
  >`
    SELECT src_namespace, src_name, src_ip, src_labels, dst_namespace, dst_name, dst_ip, dst_labels, protocol, port, action, policy, reporter,
           count(*) AS records, sum(bytes) AS bytes
    FROM flow_records
    WHERE end_time >= ${filter.since} AND start_time < ${filter.until}
      AND (${filter.cluster ?? null}::text IS NULL OR cluster = ${filter.cluster ?? null})
      AND (${filter.namespace ?? null}::text IS NULL OR src_namespace = ${filter.namespace ?? null} OR dst_namespace = ${filter.namespace ?? null})
    GROUP BY src_namespace, src_name, src_ip, src_labels, dst_namespace, dst_name, dst_ip, dst_labels, protocol, port, action, policy, reporter
    ORDER BY count(*) DESC
    LIMIT ${limit + 1}`;
  const edges = rows.slice(0, limit).map((r) => ({
    ...endsOf(r),
    protocol: r.protocol,
    port: r.port,
    action: r.action,
    policy: r.policy,
    reporter: r.reporter,
    records: Number(r.records),
    bytes: Number(r.bytes),
  }));
  return { edges, truncated: rows.length > limit };
}
