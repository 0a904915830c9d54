import { EXIT } from '../exit-codes.js';
import { info, table } from '../output.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';
import { parseTime } from '../time.js';

export interface FlowsOptions {
  cluster?: string;
  namespace?: string;
  endpoint?: string;
  action?: 'Allow' | 'Deny';
  policy?: string;
  since?: string;
  until?: string;
  limit: number;
  output: 'text' | 'json';
}

const side = (e: { namespace: string | null; name: string | null; ip: string | null }) => (e.name ? `${e.namespace ? `${e.namespace}/` : ''}${e.name}` : (e.ip ?? '-'));

/** `palisade flows`: flow records from the gateway, newest first. */
export async function flowsCommand(remote: Remote, options: FlowsOptions): Promise<number> {
  const records = await call(remote, () =>
    connect(remote).flows.query.query({
      ...(options.cluster ? { cluster: options.cluster } : {}),
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.action ? { action: options.action } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.since ? { since: parseTime('--since', options.since).toISOString() } : {}),
      ...(options.until ? { until: parseTime('--until', options.until).toISOString() } : {}),
      limit: options.limit,
    }),
  );
  if (options.output === 'json') info(JSON.stringify(records, null, 2));
  else if (records.length === 0) info('no flow records match');
  else
    info(
      table([
        ['START', 'CLUSTER', 'NODE', 'REPORTER', 'SOURCE', 'DESTINATION', 'PROTO', 'PORT', 'ACTION', 'POLICY', 'PACKETS', 'BYTES'],
        ...records.map((r) => [
          r.startTime.slice(11, 19),
          r.cluster,
          r.node,
          r.reporter,
          side(r.source),
          side(r.destination),
          r.protocol,
          r.port === null ? '-' : String(r.port),
          r.action,
          r.policy,
          String(r.packets),
          String(r.bytes),
        ]),
      ]),
    );
  return EXIT.OK;
}
