// Agent benchmarks: `npx nx run agent:bench`. Measured, never asserted; writes bench/results.json
// with the machine. Parts (each skippable with BENCH_ONLY=fanout,nft,ingest):
//  fanout  desired-release change to the last ack for AGENTS simulated agents (default 1,000,
//          each its own NATS connection and user JWT), next to raw KV watch fan-out to as many
//          watchers in the same run; memory per simulated agent.
//  nft     nft apply of a full ruleset of 1k, 10k and 50k rules, and of an incremental diff (one
//          pod added to a 5,000-member set), in a network namespace of its own (root only).
//  ingest  flow records into PostgreSQL through the flow store (batches of 2,000, as ingest
//          writes them), next to a raw COPY of the same rows.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { agentInboxPrefix, agentPermissions, buckets, ensureBuckets, kvKeys, openBucket, releaseContentHash, writeReleaseContent } from '@palisade/bus';
import { parseNatsUrl, type DesiredRelease, type FlowRecord, type NodeStatusReport } from '@palisade/contracts';
import { keyOf, parseDocuments, type Resource } from '@palisade/engine';
import { applyMigrations, createDbClient } from '@palisade/event-store';
import { insertFlows } from '@palisade/flow-store';
import { issueUser, NatsAuth } from '@palisade/nats-auth';
import { ClusterInventory, NftablesDataplane, NodePolicy, startFleet } from '@palisade/node-agent';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, round, startTestNats } from '@palisade/testing';

const only = new Set((process.env['BENCH_ONLY'] ?? 'fanout,nft,ingest').split(','));
const AGENTS = Number(process.env['AGENTS'] ?? 1000);
const results: Record<string, unknown> = { benchmark: 'agent', date: new Date().toISOString(), machine: benchMachine() };
const gc = (globalThis as { gc?: () => void }).gc;

const policyYaml = (port: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
    destination: {ports: [${port}]}
`;
function release(yaml: string) {
  const list = parseDocuments(yaml).resources.map((resource) => ({ key: keyOf(resource), resource }));
  list.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { hash: releaseContentHash(list), body: { revision: 1, resources: list } };
}

async function fanout() {
  const nats = await startTestNats('bench-agent');
  const auth = NatsAuth.parse(JSON.parse(readFileSync(nats.authFile, 'utf8')));
  const platform = await connect({ ...parseNatsUrl(nats.url), name: 'bench-platform' });
  const servers = parseNatsUrl(nats.url).servers;
  await ensureBuckets(platform);
  const clusters = Array.from({ length: Math.max(1, Math.round(AGENTS / 100)) }, (_, i) => `bench-${i}`);
  const nodesPerCluster = Math.ceil(AGENTS / clusters.length);
  try {
    // Raw fan-out: as many KV watchers (one connection each) as agents, one put, time to the last delivery.
    const watchers: NatsConnection[] = [];
    for (let i = 0; i < AGENTS; i++) watchers.push(await connect({ servers, authenticator: parseNatsUrl(nats.url).authenticator!, name: `raw-${i}` }));
    let received = 0;
    let resolveAll: () => void = () => undefined;
    const all = new Promise<void>((r) => (resolveAll = r));
    const kvs = await Promise.all(watchers.map((nc) => new Kvm(nc).open(buckets.desired)));
    await Promise.all(
      kvs.map(async (kv) => {
        const it = await kv.watch({ key: 'raw-probe', include: 'updates_only' as never });
        void (async () => {
          for await (const _ of it) {
            if (++received === AGENTS) resolveAll();
            break;
          }
        })();
      }),
    );
    const rawStart = performance.now();
    await (await openBucket(platform, buckets.desired)).put('raw-probe', 'x');
    await all;
    const rawMs = performance.now() - rawStart;
    for (const nc of watchers) await nc.close();

    // The agents: start the fleet on release A, then change every cluster's desired release to B.
    gc?.();
    const heapBefore = process.memoryUsage();
    const A = release(policyYaml(5432));
    const B = release(policyYaml(6432));
    const releases = await openBucket(platform, buckets.releases);
    const desired = await openBucket(platform, buckets.desired);
    for (const c of clusters) {
      await writeReleaseContent(releases, c, A.hash, A.body);
      await writeReleaseContent(releases, c, B.hash, B.body);
      await desired.put(kvKeys.desired(c), JSON.stringify({ cluster: c, release: A.hash, version: 1, setAt: new Date().toISOString() } satisfies DesiredRelease));
    }
    const startedAt = performance.now();
    const fleet = await startFleet({
      clusters,
      nodesPerCluster,
      endpointsPerNode: 5,
      agentVersion: 'bench',
      concurrency: 32,
      credentials: async (cluster, node) => {
        const user = await issueUser(auth, `${cluster}/${node}`, agentPermissions(cluster, node));
        return { cluster, node, servers, jwt: user.jwt, seed: user.seed, inboxPrefix: agentInboxPrefix(cluster, node), issuedAt: new Date().toISOString() };
      },
    });
    const total = fleet.agents.length;
    const onA = async () => {
      for (;;) {
        if (fleet.agents.every((a) => a.agent.nodeStatus?.release === A.hash)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await onA();
    const startupMs = performance.now() - startedAt;
    await new Promise((r) => setTimeout(r, 2_000));
    gc?.();
    const heapAfter = process.memoryUsage();

    // Acks as the platform sees them: a watch on every node's status.
    const nodes = await openBucket(platform, buckets.nodes);
    const acked = new Set<string>();
    let lastAckAt = 0;
    let resolveAcks: () => void = () => undefined;
    const acks = new Promise<void>((r) => (resolveAcks = r));
    const statusWatch = await nodes.watch({ key: '>', include: 'updates_only' as never });
    void (async () => {
      for await (const e of statusWatch) {
        if (e.operation !== 'PUT') continue;
        const s = JSON.parse(e.string()) as NodeStatusReport;
        if (s.state === 'applied' && s.release === B.hash && !acked.has(e.key)) {
          acked.add(e.key);
          lastAckAt = performance.now();
          if (acked.size === total) resolveAcks();
        }
      }
    })();
    const changeAt = performance.now();
    await Promise.all(clusters.map((c) => desired.put(kvKeys.desired(c), JSON.stringify({ cluster: c, release: B.hash, version: 2, setAt: new Date().toISOString() } satisfies DesiredRelease))));
    await acks;
    const changeMs = lastAckAt - changeAt;
    statusWatch.stop();
    await fleet.stop();
    results['fanout'] = {
      agents: total,
      clusters: clusters.length,
      endpointsPerNode: 5,
      desiredChangeToLastAckMs: round(changeMs, 1),
      rawKvWatchFanoutMs: round(rawMs, 1),
      ratioToRawFanout: round(changeMs / rawMs, 2),
      targets: { desiredChangeToLastAckMs: '< 3000', ratioToRawFanout: '<= 2' },
      fleetStartupToAllAppliedMs: round(startupMs, 0),
      memoryPerAgentKiB: {
        heapUsed: round((heapAfter.heapUsed - heapBefore.heapUsed) / total / 1024, 1),
        rss: round((heapAfter.rss - heapBefore.rss) / total / 1024, 1),
        gcBeforeMeasuring: Boolean(gc),
      },
    };
    console.log('fanout', results['fanout']);
  } finally {
    await platform.close();
    await nats.stop();
  }
}

function nftAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)';
  if (spawnSync('sh', ['-c', 'command -v nft && command -v ip']).status !== 0) return 'nft or ip is not installed';
  return undefined;
}

/** A cluster of `endpoints` workloads on other nodes plus one on this node, and `policies` policies of `rulesPer` rules. */
function syntheticState(endpoints: number, policies: number, rulesPer: number): Resource[] {
  const docs: string[] = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n'];
  const wep = (node: string, i: number, app: string) =>
    `apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: ${node}-k8s-p${i}-eth0, namespace: shop, labels: {app: ${app}}}\nspec: {orchestrator: k8s, node: ${node}, pod: p${i}, endpoint: eth0, interfaceName: cali${i.toString(16).padStart(11, '0')}, ipNetworks: [10.${Math.floor(i / 65536) + 1}.${Math.floor(i / 256) % 256}.${i % 256}/32], profiles: [kns.shop]}\n`;
  docs.push(wep('bench', 0, 'db'));
  for (let i = 1; i <= endpoints; i++) docs.push(wep(`other${i % 50}`, i, 'api'));
  for (let p = 0; p < policies; p++) {
    const rules = Array.from(
      { length: rulesPer },
      (_, r) => `  - action: Allow\n    protocol: TCP\n    source: {selector: app == 'api'}\n    destination: {ports: [${1000 + ((p * rulesPer + r) % 60000)}]}\n`,
    ).join('');
    docs.push(`apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p${p}, namespace: shop}\nspec:\n  selector: app == 'db'\n  order: ${p}\n  ingress:\n${rules}`);
  }
  const parsed = parseDocuments(docs.join('---\n'), { maxDocuments: 200_000, maxCharacters: 500_000_000 });
  if (parsed.errors.length) throw new Error(JSON.stringify(parsed.errors.slice(0, 3)));
  return parsed.resources;
}

/** Median time of `nft add element` into a tiny set in an otherwise empty namespace: the nft CLI and kernel commit alone. */
function nftFloor(): number {
  const ns = `palfloor${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    spawnSync('ip', ['netns', 'exec', ns, 'nft', 'add table inet floor; add set inet floor s { type ipv4_addr; flags interval; auto-merge; elements = { 10.0.0.1 }; }']);
    const times: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'add', 'element', 'inet', 'floor', 's', `{ 10.1.0.${i + 1} }`]);
      if (r.status !== 0) throw new Error(`nft floor: ${String(r.stderr)}`);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[5]!;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

async function nftBench() {
  const why = nftAvailable();
  if (why) {
    results['nft'] = { skipped: why };
    return;
  }
  const ns = `palbench${process.pid}`;
  spawnSync('ip', ['netns', 'add', ns]);
  try {
    const dataplane = new NftablesDataplane({ command: ['ip', 'netns', 'exec', ns, 'nft'], timeoutMs: 300_000 });
    const full: Record<string, unknown>[] = [];
    for (const rules of [1_000, 10_000, 50_000]) {
      const inventory = new ClusterInventory();
      const policy = new NodePolicy('bench', 'r', syntheticState(10, rules / 10, 10), inventory);
      const ir = policy.ir();
      const samples: number[] = [];
      const readBack: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await dataplane.applyFull(ir);
        samples.push(performance.now() - t);
        const r = performance.now();
        await dataplane.readBack();
        readBack.push(performance.now() - r);
      }
      const lines = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'palisade'], { encoding: 'utf8', maxBuffer: 1 << 28 })
        .stdout.split('\n')
        .filter((l) => / (accept|drop|return|jump|goto)\b/.test(l)).length;
      full.push({
        policyRules: rules,
        nftRuleLines: lines,
        applyMs: samples.map((s) => round(s, 1)),
        bestMs: round(Math.min(...samples), 1),
        // After the rules are in force, the agent reads the table back for drift checks (not part of the apply).
        readBackAfterMs: readBack.map((s) => round(s, 1)),
      });
      console.log('nft full', full.at(-1));
    }
    // Incremental: one pod added to a 5,000-member set.
    const inventory = new ClusterInventory();
    const base = syntheticState(5_000, 1, 1);
    const policy = new NodePolicy('bench', 'r', base, inventory);
    await dataplane.applyFull(policy.ir());
    await dataplane.readBack();
    const samples: number[] = [];
    const compile: number[] = [];
    const setReadBack: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [pod] = parseDocuments(
        `apiVersion: projectcalico.org/v3\nkind: WorkloadEndpoint\nmetadata: {name: late-k8s-new${i}-eth0, namespace: shop, labels: {app: api}}\nspec: {orchestrator: k8s, node: late, pod: new${i}, endpoint: eth0, interfaceName: calinew${i}, ipNetworks: [10.200.0.${i + 1}/32], profiles: [kns.shop]}\n`,
      ).resources;
      const changed = inventory.replace(`late${i}`, [pod!]);
      const t = performance.now();
      const diffs = policy.inventoryChanged(changed);
      const ir = policy.ir();
      const c = performance.now();
      const outcome = await dataplane.applyChanges(ir, diffs);
      const done = performance.now();
      samples.push(done - t);
      compile.push(c - t);
      await dataplane.readBack();
      setReadBack.push(performance.now() - done);
      if (outcome.mode !== 'incremental') throw new Error('the one-pod change was not applied incrementally');
    }
    const members = Object.values(policy.ir().ipSets).reduce((m, s) => Math.max(m, s.members.length), 0);
    const floor = nftFloor();
    const median = [...samples].sort((a, b) => a - b)[5]!;
    results['nft'] = {
      full,
      incrementalOnePodAdded: {
        setMembers: members,
        samplesMs: samples.map((s) => round(s, 1)),
        medianMs: round(median, 1),
        // The least any nft transaction costs here: one element into a one-element set, in a namespace of its own.
        floorMedianMs: round(floor, 1),
        ratioToFloor: round(median / floor, 2),
        compileMedianMs: round([...compile].sort((a, b) => a - b)[5]!, 1),
        // The touched set is read back after the change is in force, for drift checks (not part of the apply).
        setReadBackMedianMs: round([...setReadBack].sort((a, b) => a - b)[5]!, 1),
        includes: 'compile of the change, render, nft -f of the element add',
      },
      targets: { fullAt10kMs: '< 1000', incrementalMs: '< 20' },
      notes:
        'applyMs: render and nft -f (the new rules are in force when it ends). The synthetic rules select by label in an IPv4-only cluster, so each rule is one nft line: its IPv6 twin would match an empty set and is left out.',
    };
    console.log('nft incremental', results['nft']);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

async function ingestBench() {
  const db = await benchDatabase('bench_flows');
  await applyMigrations(db.url);
  const database = createDbClient(db.url, { max: 2 });
  const N = Number(process.env['FLOW_RECORDS'] ?? 100_000);
  const make = (offset: number): FlowRecord[] =>
    Array.from({ length: N }, (_, i) => ({
      id: (offset + i).toString(16).padStart(32, '0'),
      cluster: 'bench',
      node: `n${i % 50}`,
      reporter: i % 2 ? 'src' : 'dst',
      startTime: new Date(Date.UTC(2026, 11, 1, 10, 0, Math.floor(i / 1000) % 60)).toISOString(),
      endTime: new Date(Date.UTC(2026, 11, 1, 10, 0, (Math.floor(i / 1000) % 60) + 10 > 59 ? 59 : (Math.floor(i / 1000) % 60) + 10)).toISOString(),
      source: { namespace: 'shop', name: `frontend-${i % 300}`, labels: { app: 'frontend' }, ip: `10.0.${(i >> 8) & 255}.${i & 255}` },
      destination: { namespace: 'shop', name: `api-${i % 100}`, labels: { app: 'api' }, ip: `10.1.0.${i % 250}` },
      protocol: 'TCP',
      port: 8080,
      action: i % 10 ? 'Allow' : 'Deny',
      policy: i % 10 ? 'default/NetworkPolicy/shop/api-ingress/0' : 'default/end-of-tier',
      packets: 10,
      bytes: 1500,
      connectionsStarted: 1,
      connectionsCompleted: 1,
    }));
  try {
    const records = make(0);
    const t = performance.now();
    for (let i = 0; i < records.length; i += 2_000) await database.transaction((tx) => insertFlows(tx, records.slice(i, i + 2_000)));
    const storeMs = performance.now() - t;
    // Raw COPY of the same rows (new ids) through psql, if it is installed.
    let copyMs: number | undefined;
    const psql = spawnSync('sh', ['-c', 'command -v psql']).stdout?.toString().trim();
    if (psql) {
      const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-copy-'));
      const csv = join(dir, 'rows.csv');
      const q = (v: unknown) => (v === null ? '' : `"${String(v).replace(/"/g, '""')}"`);
      writeFileSync(
        csv,
        make(N)
          .map((r) =>
            [
              r.id,
              r.startTime,
              r.endTime,
              r.cluster,
              r.node,
              r.reporter,
              r.action,
              r.policy,
              r.protocol,
              r.port,
              r.source.namespace,
              r.source.name,
              r.source.ip,
              JSON.stringify(r.source.labels),
              r.destination.namespace,
              r.destination.name,
              r.destination.ip,
              JSON.stringify(r.destination.labels),
              r.packets,
              r.bytes,
              r.connectionsStarted,
              r.connectionsCompleted,
            ]
              .map(q)
              .join(','),
          )
          .join('\n') + '\n',
      );
      const columns =
        'id, start_time, end_time, cluster, node, reporter, action, policy, protocol, port, src_namespace, src_name, src_ip, src_labels, dst_namespace, dst_name, dst_ip, dst_labels, packets, bytes, connections_started, connections_completed';
      const c = performance.now();
      const r = spawnSync(psql, [db.url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy flow_records (${columns}) FROM '${csv}' CSV`], { encoding: 'utf8' });
      copyMs = performance.now() - c;
      if (r.status !== 0) throw new Error(`psql \\copy failed: ${r.stderr}`);
      rmSync(dir, { recursive: true, force: true });
    }
    results['ingest'] = {
      records: N,
      storeRecordsPerSecond: Math.round(N / (storeMs / 1000)),
      rawCopyRecordsPerSecond: copyMs ? Math.round(N / (copyMs / 1000)) : 'psql not installed',
      ratioToRawCopy: copyMs ? round(copyMs / storeMs, 2) : null,
      targets: { storeRecordsPerSecond: '>= 20000' },
      note: 'the store path is what ingest runs per fetched batch (INSERT ... unnest ... ON CONFLICT DO NOTHING, 2,000 rows a statement); JetStream delivery is not included',
    };
    console.log('ingest', results['ingest']);
  } finally {
    await database.close();
    await db.drop();
  }
}

if (only.has('fanout')) await fanout();
if (only.has('nft')) await nftBench();
if (only.has('ingest')) await ingestBench();
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log('written: bench/results.json');
process.exit(0);
