import { readFileSync } from 'node:fs';
import { ClusterName } from '@palisade/contracts';
import { DEFAULT_MIX, joinCluster, jsonLog, parseTrafficMix, startFleet, TrafficMixError, type InventoryProfile } from '@palisade/node-agent';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { call, connect } from '../remote/client.js';
import type { Remote } from '../remote/config.js';

export interface AgentSimulateOptions {
  clusters: string;
  nodes: number;
  endpointsPerNode: number;
  workloads: InventoryProfile;
  traffic?: string;
  flowInterval: number;
  natsUrl?: string;
}

/** "a,b,c", or a count: "5" is sim-1 to sim-5. */
export function clusterNames(value: string): string[] {
  const names = /^\d{1,3}$/.test(value) ? Array.from({ length: Number(value) }, (_, i) => `sim-${i + 1}`) : value.split(',').map((s) => s.trim());
  if (names.length === 0 || names.length > 100) throw new InputError(`--clusters: 1 to 100 clusters, got ${names.length}`);
  for (const n of names) if (!ClusterName.safeParse(n).success) throw new InputError(`--clusters: ${JSON.stringify(n)} is not a cluster name (a DNS label)`);
  return names;
}

/**
 * `palisade agent simulate`: registers the clusters that are missing, makes each a join token,
 * and runs `nodes` simulated agents per cluster in this process, each joining like a real node
 * (its own credentials), enforcing with the simulated dataplane and reporting generated traffic
 * as flow logs. Runs until SIGINT or SIGTERM, printing progress on stderr.
 */
export async function agentSimulateCommand(remote: Remote, options: AgentSimulateOptions, version: string): Promise<number> {
  const clusters = clusterNames(options.clusters);
  if (options.nodes < 1 || options.nodes > 1_000) throw new InputError('--nodes: 1 to 1000 per cluster');
  if (options.endpointsPerNode < 0 || options.endpointsPerNode > 250) throw new InputError('--endpoints-per-node: 0 to 250');
  let traffic = DEFAULT_MIX;
  if (options.traffic) {
    try {
      traffic = parseTrafficMix(readFileSync(options.traffic, 'utf8'), options.traffic);
    } catch (error) {
      if (error instanceof TrafficMixError) throw new InputError(error.message);
      throw new InputError(`--traffic ${options.traffic}: ${(error as Error).message}`);
    }
  }
  const api = connect(remote);
  const known = new Set((await call(remote, () => api.clusters.list.query())).map((c) => c.name));
  const tokens = new Map<string, string>();
  for (const cluster of clusters) {
    if (!known.has(cluster)) {
      await call(remote, () => api.clusters.register.mutate({ name: cluster, labels: { simulated: 'true' }, reason: 'palisade agent simulate' }));
      process.stderr.write(`registered cluster ${cluster}\n`);
    }
    tokens.set(cluster, (await call(remote, () => api.clusters.joinToken.mutate({ name: cluster, expiresInHours: 1, reason: 'palisade agent simulate' }))).token);
  }
  const total = clusters.length * options.nodes;
  process.stderr.write(`starting ${total} simulated agents (${clusters.length} clusters x ${options.nodes} nodes, ${options.endpointsPerNode} endpoints each)\n`);
  const quiet = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => {
    if (level !== 'info') jsonLog(level, message, fields);
  };
  const fleet = await startFleet({
    clusters,
    nodesPerCluster: options.nodes,
    endpointsPerNode: options.endpointsPerNode,
    inventory: options.workloads,
    credentials: (cluster, node) => joinCluster(remote.url, tokens.get(cluster)!, node),
    agentVersion: version,
    traffic,
    flowIntervalSeconds: options.flowInterval,
    ...(options.natsUrl ? { natsUrl: options.natsUrl } : {}),
    log: quiet,
    onStarted: (n) => {
      if (n % 50 === 0 || n === total) process.stderr.write(`  ${n}/${total} agents running\n`);
    },
  });
  const report = () => {
    const byRelease = new Map<string, number>();
    for (const a of fleet.agents) {
      const s = a.agent.nodeStatus;
      const key = s ? `${s.state} ${s.release?.slice(0, 12) ?? '-'}` : 'waiting for a desired release';
      byRelease.set(key, (byRelease.get(key) ?? 0) + 1);
    }
    const flows = fleet.agents.reduce((sum, a) => sum + a.agent.flowStats.published, 0);
    process.stderr.write(`${new Date().toISOString()} agents: ${[...byRelease].map(([k, n]) => `${n} ${k}`).join(', ')}; flow records published: ${flows}\n`);
  };
  report();
  const timer = setInterval(report, 10_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  clearInterval(timer);
  process.stderr.write('stopping the simulated agents\n');
  await fleet.stop();
  // After the last flush: what a test (or a person) compares with what ingest stored.
  const totals = { generated: 0, published: 0, dropped: 0, queued: 0 };
  for (const a of fleet.agents) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += a.agent.flowStats[k];
  process.stderr.write(`flow records: ${totals.generated} generated, ${totals.published} published, ${totals.dropped} dropped, ${totals.queued} unsent\n`);
  return EXIT.OK;
}
