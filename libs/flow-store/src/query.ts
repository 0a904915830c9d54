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

/** Records matching the filter, newest first. */
export async function queryFlows(db: DbTx, input: FlowFilter): Promise<FlowRecord[]> {
  const f = FlowFilter.parse(input);
  const policyPrefix = f.policy === undefined ? null : f.policy.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
  const rows = await db.query<Row[]>`
    SELECT * FROM flow_records
    WHERE (${f.cluster ?? null}::text IS NULL OR cluster = ${f.cluster ?? null})
      AND (${f.namespace ?? null}::text IS NULL OR src_namespace = ${f.namespace ?? null} OR dst_namespace = ${f.namespace ?? null})
      AND (${f.endpoint ?? null}::text IS NULL OR ${f.endpoint ?? null} IN (src_name, dst_name, src_ip, dst_ip))
      AND (${f.action ?? null}::text IS NULL OR action = ${f.action ?? null})
      AND (${policyPrefix}::text IS NULL OR policy LIKE ${policyPrefix})
      AND (${f.since ?? null}::timestamptz IS NULL OR end_time >= ${f.since ?? null})
      AND (${f.until ?? null}::timestamptz IS NULL OR start_time < ${f.until ?? null})
    ORDER BY start_time DESC, id
    LIMIT ${f.limit}`;
  return rows.map(toRecord);
}
