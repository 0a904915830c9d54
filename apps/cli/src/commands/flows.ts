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
  /** Keep printing records as they are stored (NDJSON with -o json), until interrupted. */
  follow?: boolean;
  /** Totals per this many seconds and action instead of records. */
  per?: number;
}

const side = (e: { namespace: string | null; name: string | null; ip: string | null }) => (e.name ? `${e.namespace ? `${e.namespace}/` : ''}${e.name}` : (e.ip ?? '-'));

const HEADER = ['START', 'CLUSTER', 'NODE', 'REPORTER', 'SOURCE', 'DESTINATION', 'PROTO', 'PORT', 'ACTION', 'POLICY', 'PACKETS', 'BYTES'];
type Flow = Awaited<ReturnType<ReturnType<typeof connect>['flows']['query']['query']>>[number];
const cells = (r: Flow) => [
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
];

/** The filters every form of `palisade flows` sends. */
function filterOf(options: FlowsOptions) {
  return {
    ...(options.cluster ? { cluster: options.cluster } : {}),
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.action ? { action: options.action } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  };
}

/** --since and --until as times. */
function windowOf(options: FlowsOptions) {
  return {
    ...(options.since ? { since: parseTime('--since', options.since).toISOString() } : {}),
    ...(options.until ? { until: parseTime('--until', options.until).toISOString() } : {}),
  };
}

/** `--follow`: records as the gateway stores them, polled every 2 s, until Ctrl-C. */
async function follow(remote: Remote, options: FlowsOptions): Promise<number> {
  const filter = filterOf(options);
  const api = connect(remote);
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  process.once('SIGTERM', () => (stop = true));
  let { cursor } = await call(remote, () => api.flows.tail.query(filter));
  if (options.output === 'text') info(HEADER.join('\t'));
  while (!stop) {
    const page = await call(remote, () => api.flows.tail.query({ ...filter, after: cursor }));
    cursor = page.cursor;
    for (const r of page.records) info(options.output === 'json' ? JSON.stringify(r) : cells(r).join('\t'));
    if (page.records.length < 1_000) await new Promise((r) => setTimeout(r, 2_000));
  }
  return EXIT.OK;
}

/** `--per N`: records, packets and bytes per N seconds and action. */
async function totals(remote: Remote, options: FlowsOptions, per: number): Promise<number> {
  const buckets = await call(remote, () =>
    connect(remote).flows.aggregate.query({
      ...filterOf(options),
      ...windowOf(options),
      intervalSeconds: per,
      limit: options.limit,
    }),
  );
  if (options.output === 'json') info(JSON.stringify(buckets, null, 2));
  else if (buckets.length === 0) info('no flow records match');
  else info(table([['START', 'ACTION', 'RECORDS', 'PACKETS', 'BYTES'], ...buckets.map((b) => [b.start, b.action, String(b.records), String(b.packets), String(b.bytes)])]));
  return EXIT.OK;
}

/** `palisade flows`: flow records from the gateway, newest first. */
export async function flowsCommand(remote: Remote, options: FlowsOptions): Promise<number> {
  if (options.follow) return follow(remote, options);
  if (options.per !== undefined) return totals(remote, options, options.per);
  const records = await call(remote, () =>
    connect(remote).flows.query.query({
      ...filterOf(options),
      ...windowOf(options),
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
