import type { DbTx } from '@palisade/event-store';

/** One line of a window's traffic: who talked to whom, how, what decided, how many flows. */
export interface WindowTraffic {
  /** namespace/name of the endpoint, else its address. */
  source: string;
  destination: string;
  protocol: string;
  port: number | null;
  action: 'Allow' | 'Deny';
  policy: string;
  /** Records of it in the window (one per node, reporter and interval). */
  flows: number;
}

/** Most distinct lines a window returns: a gate reads the shape of traffic, not every record. */
const MAX_LINES = 20_000;

/**
 * A cluster's traffic over a window, summed per source, destination, protocol, port, verdict and
 * deciding policy: what a rollout's traffic gate compares before and after a change. Only records
 * whose whole interval lies in the window count: an agent's interval that straddles a change holds
 * verdicts of both releases, and a denial by the new one counted as "before" hid it from the gate.
 */
export async function windowTraffic(db: DbTx, input: { cluster: string; from: Date; to: Date }): Promise<WindowTraffic[]> {
  const rows = await db.query<{ source: string; destination: string; protocol: string; port: number | null; action: 'Allow' | 'Deny'; policy: string; flows: string }[]>`
    SELECT coalesce(src_namespace || '/' || src_name, src_ip, '?') AS source,
           coalesce(dst_namespace || '/' || dst_name, dst_ip, '?') AS destination,
           protocol, port, action, policy, count(*) AS flows
    FROM flow_records
    WHERE cluster = ${input.cluster} AND start_time >= ${input.from} AND end_time <= ${input.to}
    GROUP BY 1, 2, protocol, port, action, policy
    ORDER BY flows DESC
    LIMIT ${MAX_LINES}`;
  return rows.map((r) => ({ ...r, flows: Number(r.flows) }));
}
