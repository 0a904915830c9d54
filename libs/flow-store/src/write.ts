import type { FlowRecord } from '@palisade/contracts';
import type { DbTx } from '@palisade/event-store';

const day = (iso: string) => iso.slice(0, 10);

/**
 * Stores records once each: a record already held (same start time and id, as a batch delivered
 * again carries) is skipped. Makes the day partitions the records need first. One statement for
 * the whole batch. Returns how many rows were new.
 */
export async function insertFlows(db: DbTx, records: readonly FlowRecord[], knownDays?: Set<string>): Promise<number> {
  if (records.length === 0) return 0;
  for (const d of new Set(records.map((r) => day(r.startTime)))) {
    if (knownDays?.has(d)) continue;
    await db.query`SELECT flow_partition_ensure(${d}::date)`;
    knownDays?.add(d);
  }
  const col = <T>(f: (r: FlowRecord) => T) => records.map(f);
  return db.execute`
    INSERT INTO flow_records (id, start_time, end_time, cluster, node, reporter, action, policy, protocol, port,
      src_namespace, src_name, src_ip, src_labels, dst_namespace, dst_name, dst_ip, dst_labels,
      packets, bytes, connections_started, connections_completed)
    SELECT * FROM unnest(${col((r) => r.id)}::text[], ${col((r) => r.startTime)}::timestamptz[], ${col((r) => r.endTime)}::timestamptz[],
      ${col((r) => r.cluster)}::text[], ${col((r) => r.node)}::text[], ${col((r) => r.reporter)}::text[], ${col((r) => r.action)}::text[],
      ${col((r) => r.policy)}::text[], ${col((r) => r.protocol)}::text[], ${col((r) => r.port)}::int[],
      ${col((r) => r.source.namespace)}::text[], ${col((r) => r.source.name)}::text[], ${col((r) => r.source.ip)}::text[], ${col((r) => JSON.stringify(r.source.labels))}::jsonb[],
      ${col((r) => r.destination.namespace)}::text[], ${col((r) => r.destination.name)}::text[], ${col((r) => r.destination.ip)}::text[], ${col((r) => JSON.stringify(r.destination.labels))}::jsonb[],
      ${col((r) => r.packets)}::bigint[], ${col((r) => r.bytes)}::bigint[], ${col((r) => r.connectionsStarted)}::int[], ${col((r) => r.connectionsCompleted)}::int[])
    ON CONFLICT (start_time, id) DO NOTHING`;
}

/** Drops the day partitions wholly older than `retentionDays`; returns how many went. */
export async function dropExpiredFlows(db: DbTx, retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString().slice(0, 10);
  const [row] = await db.query<{ dropped: number }[]>`SELECT flow_partitions_drop_before(${cutoff}::date) AS dropped`;
  return row?.dropped ?? 0;
}
