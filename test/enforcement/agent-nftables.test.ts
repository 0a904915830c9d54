// Agents enforcing in the kernel: two node namespaces joined by a veth link route between their
// pods' namespaces, as two Calico nodes do. One NodeAgent per node (NftablesDataplane, nft run
// inside its node's namespace) takes the desired release and the cluster inventory from a real
// nats-server (a test gateway's, whose flow ingest stores flow records in PostgreSQL). Real TCP,
// UDP and ICMP probes, across nodes too, get the verdict the simulator gives on the same release
// and inventory, and the flow records the kernel counted for them reach PostgreSQL naming the
// rule the simulator names, with the bytes that were sent. A ruleset nft refuses leaves the last
// good one in force and a failed ack; a hand edit with nft is reported and undone; under deny-all
// the failsafe ports stay open.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { buckets, ensureBuckets, kvKeys, openBucket, releaseContentHash, writeReleaseContent } from '@palisade/bus';
import { parseNatsUrl, type DesiredRelease, type NodeStatusReport } from '@palisade/contracts';
import { buildSnapshot, evaluateFlow, parseDocuments, type FlowSpec, type Resource } from '@palisade/engine';
import { queryFlows } from '@palisade/flow-store';
import { NftablesDataplane, NodeAgent, policyOf, withoutFlowElements } from '@palisade/node-agent';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { ensureHostTools, nsExec, nsSpawn, sh } from '../support/netns.js';

const tools = await ensureHostTools();
if (!tools.ok) console.warn(`SKIPPED agent enforcement tests: ${tools.reason}`);

const tag = `q${process.pid % 100000}`;
const ns = { n1: `${tag}-n1`, n2: `${tag}-n2`, a: `${tag}-a`, b: `${tag}-b`, c: `${tag}-c` };
const pods = [
  { key: 'a', node: 'n1', nodeName: 'node-1', name: 'frontend', ip: '10.97.1.2', gw: '10.97.1.1', labels: { role: 'frontend' } },
  { key: 'b', node: 'n1', nodeName: 'node-1', name: 'api', ip: '10.97.2.2', gw: '10.97.2.1', labels: { role: 'api' } },
  { key: 'c', node: 'n2', nodeName: 'node-2', name: 'db', ip: '10.97.3.2', gw: '10.97.3.1', labels: { role: 'db' } },
] as const;
const link = { n1: '10.96.0.1', n2: '10.96.0.2' };

const wep = (p: (typeof pods)[number]) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: ${p.nodeName.replace('-', '--')}-k8s-${p.name}-eth0, namespace: demo, labels: ${JSON.stringify(p.labels)}}
spec: {orchestrator: k8s, node: ${p.nodeName}, pod: ${p.name}, endpoint: eth0, interfaceName: pal${p.key}, ipNetworks: [${p.ip}/32], profiles: [kns.demo]}
`;
const namespaceYaml = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n';
const inventoryYaml = {
  'node-1': [namespaceYaml, ...pods.filter((p) => p.node === 'n1').map(wep)].join('---\n'),
  'node-2': [
    namespaceYaml,
    ...pods.filter((p) => p.node === 'n2').map(wep),
    `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-2-link, labels: {host: node-2}}
spec: {node: node-2, interfaceName: ln2, expectedIPs: [${link.n2}]}
`,
  ].join('---\n'),
};

const policies = (icmpToDb: boolean) =>
  [
    `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: demo}
spec:
  selector: role == 'api'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: role == 'frontend'}
    destination: {ports: [8080]}
`,
    `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
`,
    `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.db}
spec:
  tier: security
  selector: role == 'db'
  ingress:
${icmpToDb ? '  - action: Allow\n    protocol: ICMP\n    icmp: {type: 8}\n' : ''}  - action: Deny
    protocol: UDP
    source: {selector: role == 'frontend'}
  - action: Pass
    protocol: UDP
`,
    `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: frontend-egress, namespace: demo}
spec:
  selector: role == 'frontend'
  egress:
  - action: Deny
    protocol: TCP
    destination: {ports: [9090]}
  - action: Allow
`,
  ].join('---\n');
const denyAll = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-all}
spec: {selector: all(), types: [Ingress, Egress]}
`;

function parse(yaml: string): Resource[] {
  const parsed = parseDocuments(yaml);
  if (parsed.errors.length) throw new Error(JSON.stringify(parsed.errors));
  return parsed.resources;
}
function releaseOf(yaml: string) {
  const list = parse(yaml).map((resource) => ({ key: `${resource.kind}/${resource.metadata.namespace ? `${resource.metadata.namespace}/` : ''}${resource.metadata.name}`, resource }));
  list.sort((x, y) => (x.key < y.key ? -1 : 1));
  return { yaml, hash: releaseContentHash(list), body: { revision: 1, resources: list } };
}
const simulate = (releaseYaml: string, probe: FlowSpec) =>
  evaluateFlow(buildSnapshot([...parse(releaseYaml), ...parse(inventoryYaml['node-1']), ...parse(inventoryYaml['node-2']).filter((r) => r.kind !== 'Namespace')]), probe);

type Probe = FlowSpec & { from: string; to: string };
const ipOf = (endpoint: string) => pods.find((p) => `demo/${p.name}` === endpoint)!.ip;
const nsOf = (endpoint: string) => ns[pods.find((p) => `demo/${p.name}` === endpoint)!.key];

function realProbe(probe: Probe): boolean {
  const from = nsOf(probe.from);
  const to = ipOf(probe.to);
  if (probe.protocol === 'ICMP') return nsExec(from, `ping -c 1 -W 1 ${to}`).status === 0;
  return connectFrom(from, probe.protocol === 'UDP' ? 'UDP' : 'TCP', to, probe.port!);
}
function connectFrom(from: string, protocol: 'TCP' | 'UDP', to: string, port: number): boolean {
  const script =
    protocol === 'TCP'
      ? `const s=require('net').connect(${port},'${to}');s.setTimeout(1500,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`
      : `const s=require('dgram').createSocket('udp4');s.on('message',()=>process.exit(0));s.send('ping',${port},'${to}');setTimeout(()=>process.exit(1),1500);`;
  return nsExec(from, `${process.execPath} -e "${script}"`).status === 0;
}

const probes: (Probe & { expected: boolean; why: string })[] = [
  { from: 'demo/frontend', to: 'demo/api', protocol: 'TCP', port: 8080, expected: true, why: 'api-ingress allows frontend on 8080 (same node)' },
  { from: 'demo/frontend', to: 'demo/api', protocol: 'TCP', port: 8081, expected: false, why: 'end of tier default for api' },
  { from: 'demo/frontend', to: 'demo/db', protocol: 'ICMP', icmp: { type: 8, code: 0 }, expected: true, why: 'security.db allows echo requests (across nodes)' },
  { from: 'demo/frontend', to: 'demo/db', protocol: 'UDP', port: 5353, expected: false, why: 'security.db denies UDP from frontend, a pod on the other node' },
  { from: 'demo/api', to: 'demo/db', protocol: 'UDP', port: 5353, expected: true, why: 'security.db passes UDP from api; the namespace profile allows' },
  { from: 'demo/frontend', to: 'demo/db', protocol: 'TCP', port: 9090, expected: false, why: "frontend-egress denies 9090 on frontend's node" },
  { from: 'demo/db', to: 'demo/api', protocol: 'TCP', port: 8080, expected: false, why: 'db is not a frontend: end of tier default on api' },
];

const servers: { kill: () => void }[] = [];
const dir = mkdtempSync(join(tmpdir(), 'palisade-agent-nft-'));
const refuseFlag = join(dir, 'refuse');
let gateway: TestGateway;
let platform: NatsConnection;
const agents: Record<string, NodeAgent> = {};
const logs: string[] = [];

async function publish(release: ReturnType<typeof releaseOf>, version: number): Promise<void> {
  await writeReleaseContent(await openBucket(platform, buckets.releases), 'kernel', release.hash, release.body);
  const desired: DesiredRelease = { cluster: 'kernel', release: release.hash, version, setAt: new Date().toISOString() };
  await (await openBucket(platform, buckets.desired)).put(kvKeys.desired('kernel'), JSON.stringify(desired));
}
async function statusOf(node: string): Promise<NodeStatusReport | undefined> {
  const entry = await (await openBucket(platform, buckets.nodes)).get(kvKeys.node('kernel', node));
  return entry?.operation === 'PUT' ? (JSON.parse(entry.string()) as NodeStatusReport) : undefined;
}
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstatus: ${JSON.stringify([await statusOf('node-1'), await statusOf('node-2')])}\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const applied = (node: string, hash: string) =>
  waitFor(`${node} to apply ${hash.slice(0, 12)}`, async () => ((await statusOf(node))?.state === 'applied' && (await statusOf(node))?.release === hash ? true : undefined));

/** nft inside a node's namespace; node-2's refuses every ruleset while the flag file exists (nft itself rejects the transaction). */
function nftCommand(node: 'n1' | 'n2'): string[] {
  const script = join(dir, `nft-${node}.sh`);
  writeFileSync(
    script,
    node === 'n2'
      ? `#!/bin/sh\nif [ -e ${refuseFlag} ] && [ "$1" = "-f" ]; then { cat; echo 'add rule inet palisade no-such-chain accept'; } | ip netns exec ${ns[node]} nft "$@"; exit $?; fi\nexec ip netns exec ${ns[node]} nft "$@"\n`
      : `#!/bin/sh\nexec ip netns exec ${ns[node]} nft "$@"\n`,
  );
  chmodSync(script, 0o755);
  return [script];
}

const first = releaseOf(policies(true));
const second = releaseOf(policies(false));
const third = releaseOf(denyAll);

describe.skipIf(!tools.ok)('agents enforcing with nftables in network namespaces', () => {
  beforeAll(async () => {
    for (const name of Object.values(ns)) sh(`ip netns add ${name}`);
    for (const node of ['n1', 'n2'] as const) sh(`ip netns exec ${ns[node]} sysctl -qw net.ipv4.ip_forward=1 && ip -n ${ns[node]} link set lo up`);
    for (const p of pods) {
      const node = ns[p.node];
      const pod = ns[p.key];
      sh(`ip link add pal${p.key} netns ${node} type veth peer name eth0 netns ${pod}`);
      sh(`ip -n ${node} addr add ${p.gw}/24 dev pal${p.key} && ip -n ${node} link set pal${p.key} up`);
      sh(`ip -n ${pod} addr add ${p.ip}/24 dev eth0 && ip -n ${pod} link set eth0 up && ip -n ${pod} link set lo up && ip -n ${pod} route add default via ${p.gw}`);
      servers.push(
        nsSpawn(
          pod,
          "for (const p of [8080,8081,9090]) require('net').createServer(s=>s.end()).listen(p,'0.0.0.0'); const u=require('dgram').createSocket('udp4'); u.on('message',(m,r)=>u.send(m,r.port,r.address)); u.bind(5353);",
        ),
      );
    }
    sh(`ip link add ln1 netns ${ns.n1} type veth peer name ln2 netns ${ns.n2}`);
    sh(`ip -n ${ns.n1} addr add ${link.n1}/30 dev ln1 && ip -n ${ns.n1} link set ln1 up && ip -n ${ns.n1} route add 10.97.3.0/24 via ${link.n2}`);
    sh(`ip -n ${ns.n2} addr add ${link.n2}/30 dev ln2 && ip -n ${ns.n2} link set ln2 up && ip -n ${ns.n2} route add 10.97.0.0/22 via ${link.n1}`);
    // node-2 itself serves SSH's port (a failsafe port) and another one.
    servers.push(nsSpawn(ns.n2, "for (const p of [22,2222]) require('net').createServer(s=>s.end()).listen(p,'0.0.0.0');"));
    sh('sleep 0.5');
    gateway = await startTestGateway('agent-nft');
    platform = await connect({ ...parseNatsUrl(gateway.natsUrl), name: 'platform' });
    await ensureBuckets(platform);
  }, 120_000);

  afterAll(async () => {
    for (const agent of Object.values(agents)) await agent.stop();
    await platform?.close();
    await gateway?.stop();
    for (const s of servers) s.kill();
    for (const name of Object.values(ns)) sh(`ip netns del ${name} 2>/dev/null || true`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects every probe before any agent runs (a denial below is policy, not topology)', () => {
    expect(probes.map((p) => realProbe(p))).toEqual(probes.map(() => true));
    expect(connectFrom(ns.n1, 'TCP', link.n2, 2222)).toBe(true);
  });

  it('enforces the desired release on both nodes: real traffic gets the simulator verdict, across nodes too', async () => {
    await publish(first, 1);
    for (const [node, key] of [
      ['node-1', 'n1'],
      ['node-2', 'n2'],
    ] as const) {
      const nc = await connect({ ...parseNatsUrl(gateway.natsUrl), name: node });
      agents[node] = new NodeAgent({
        nc,
        cluster: 'kernel',
        node,
        dataplane: new NftablesDataplane({ command: nftCommand(key), flowLog: true }),
        agentVersion: 'test',
        inventory: parse(inventoryYaml[node]),
        heartbeatSeconds: 1,
        // Longer than any wait below: a hand edit must be noticed through nft's change notifications.
        driftSeconds: 60,
        retrySeconds: 1,
        flows: { intervalSeconds: 1 },
        log: (level, message, fields) => logs.push(`${node} ${level} ${message} ${fields ? JSON.stringify(fields) : ''}`),
      });
      await agents[node].start();
    }
    await applied('node-1', first.hash);
    await applied('node-2', first.hash);
    // Each node holds only its own table, in its own namespace.
    expect(nsExec(ns.n1, 'nft list tables').stdout.trim()).toBe('table inet palisade');
    for (const probe of probes) {
      const simulated = simulate(first.yaml, probe);
      expect(simulated.allowed, probe.why).toBe(probe.expected);
      expect(realProbe(probe), `${probe.from} -> ${probe.to} ${probe.protocol}/${probe.port ?? ''}: ${probe.why}`).toBe(simulated.allowed);
    }
  });

  it('stores the flows the kernel counted, naming the rule the simulator names, with the bytes sent', async () => {
    const api = ipOf('demo/api');
    const db = ipOf('demo/db');
    type Totals = { packets: number; bytes: number; policies: string[]; nodes: string[]; reporters: string[] };
    const totals = async (filter: { action: 'Allow' | 'Deny'; port: number; destination: string }): Promise<Totals> => {
      const records = (await queryFlows(gateway.database, { cluster: 'kernel', action: filter.action, limit: 10_000 })).filter(
        (r) => r.port === filter.port && r.destination.ip === filter.destination && r.source.ip === ipOf('demo/frontend'),
      );
      return {
        packets: records.reduce((n, r) => n + r.packets, 0),
        bytes: records.reduce((n, r) => n + r.bytes, 0),
        policies: [...new Set(records.map((r) => r.policy))],
        nodes: [...new Set(records.map((r) => r.node))],
        reporters: [...new Set(records.map((r) => r.reporter))],
      };
    };
    const settle = () => new Promise((r) => setTimeout(r, 3_000)); // an interval to publish, ingest to store
    await settle();
    const tcpBefore = await totals({ action: 'Allow', port: 8080, destination: api });
    const udpBefore = await totals({ action: 'Deny', port: 5354, destination: db });
    // 3,000 bytes to the api (allowed, same node) and three 500-byte datagrams to db (denied on node-2).
    const send = `const s=require('net').connect(8080,'${api}',()=>s.end(Buffer.alloc(3000)));s.resume();s.on('close',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),3000);`;
    expect(nsExec(ns.a, `${process.execPath} -e "${send}"`).status).toBe(0);
    const datagrams = `const u=require('dgram').createSocket('udp4');let n=0;const go=()=>u.send(Buffer.alloc(500),5354,'${db}',()=>{if(++n<3)go();else setTimeout(()=>process.exit(0),200)});go();`;
    expect(nsExec(ns.a, `${process.execPath} -e "${datagrams}"`).status).toBe(0);

    const allowedBy = policyOf(simulate(first.yaml, { from: 'demo/frontend', to: 'demo/api', protocol: 'TCP', port: 8080 }).ingress?.decidedBy);
    const deniedBy = policyOf(simulate(first.yaml, { from: 'demo/frontend', to: 'demo/db', protocol: 'UDP', port: 5354 }).deniedAt?.decidedBy);
    expect(allowedBy).toBe('default/NetworkPolicy/demo/api-ingress/0');
    expect(deniedBy).toMatch(/^security\/GlobalNetworkPolicy\/security\.db\/\d+$/);
    const tcp = await waitFor('the TCP flow in PostgreSQL', async () => {
      const t = await totals({ action: 'Allow', port: 8080, destination: api });
      return t.bytes - tcpBefore.bytes >= 3_000 ? t : undefined;
    });
    const udp = await waitFor('the denied UDP flow in PostgreSQL', async () => {
      const t = await totals({ action: 'Deny', port: 5354, destination: db });
      return t.packets - udpBefore.packets >= 3 ? t : undefined;
    });
    await settle(); // the last packets of the connection (FIN, ACK) land in the next interval
    const tcpAfter = await totals({ action: 'Allow', port: 8080, destination: api });
    const tcpPackets = tcpAfter.packets - tcpBefore.packets;
    const tcpBytes = tcpAfter.bytes - tcpBefore.bytes;
    expect(tcp.policies).toEqual([allowedBy]);
    expect(tcp.nodes).toEqual(['node-1']);
    expect(tcp.reporters).toEqual(['dst']);
    // Both directions of the connection: the payload plus at most 80 bytes of IP and TCP headers a packet.
    expect(tcpBytes).toBeGreaterThanOrEqual(3_000);
    expect(tcpBytes).toBeLessThanOrEqual(3_000 + tcpPackets * 80);
    expect(udp.policies).toEqual([deniedBy]);
    expect(udp.nodes).toEqual(['node-2']);
    // Three datagrams of 500 bytes, each with 8 bytes of UDP and 20 of IPv4 header, dropped on node-2.
    expect(udp.packets - udpBefore.packets).toBe(3);
    expect(udp.bytes - udpBefore.bytes).toBe(3 * 528);
  });

  const ping = { from: 'demo/frontend', to: 'demo/db', protocol: 'ICMP', icmp: { type: 8, code: 0 } } as const;

  it('keeps the last good ruleset in force and acks failed when nft refuses the new one', async () => {
    writeFileSync(refuseFlag, '');
    await publish(second, 2);
    await applied('node-1', second.hash);
    const failed = await waitFor('node-2 to ack failed', async () => {
      const s = await statusOf('node-2');
      return s?.state === 'failed' && s.attempted === second.hash ? s : undefined;
    });
    expect(failed.release).toBe(first.hash);
    expect(failed.error).toMatch(/nft refused the ruleset/);
    // The second release no longer lets frontend ping db; node-2 still enforces the first, which does.
    expect(simulate(second.yaml, ping).allowed).toBe(false);
    expect(simulate(first.yaml, ping).allowed).toBe(true);
    expect(realProbe(ping)).toBe(true);
    // Once nft takes it, the agent applies it by itself.
    rmSync(refuseFlag);
    await applied('node-2', second.hash);
    expect(realProbe(ping)).toBe(false);
  });

  it('reports a hand edit made with nft and undoes it', async () => {
    // The ruleset as drift sees it: the flow accounting sets' elements are the kernel counting, not the ruleset.
    const listing = () => withoutFlowElements(nsExec(ns.n2, 'nft -s list table inet palisade').stdout);
    const before = listing();
    expect(nsExec(ns.n2, 'nft insert rule inet palisade forward accept').status).toBe(0);
    expect(realProbe(ping)).toBe(true); // the hand edit opened everything
    const report = await waitFor('node-2 to report the drift and restore its ruleset', async () => {
      const s = await statusOf('node-2');
      return s?.state === 'applied' && s.lastDrift && listing() === before ? s : undefined;
    });
    expect(report.lastDrift!.change).toBe('added: chain forward: accept');
    expect(logs.join('\n')).toContain('node-2 warn the ruleset was changed out of band; restoring it');
    expect(realProbe(ping)).toBe(false);
  });

  it('keeps failsafe ports open under a deny-all policy', async () => {
    await publish(third, 3);
    await applied('node-1', third.hash);
    await applied('node-2', third.hash);
    for (const probe of probes) expect(realProbe(probe), `${probe.from} -> ${probe.to} under deny-all`).toBe(false);
    // node-2's host endpoint denies everything but Felix's failsafe ports: SSH stays reachable.
    expect(connectFrom(ns.n1, 'TCP', link.n2, 22)).toBe(true);
    expect(connectFrom(ns.n1, 'TCP', link.n2, 2222)).toBe(false);
  });

  it('never touches a table it does not own', () => {
    expect(existsSync(refuseFlag)).toBe(false);
    sh(`ip netns exec ${ns.n1} nft add table inet someone-else`);
    sh(`ip netns exec ${ns.n1} nft add chain inet someone-else keep`);
    return waitFor('node-1 to apply again', async () => (await statusOf('node-1'))?.state === 'applied').then(async () => {
      await new Promise((r) => setTimeout(r, 1500)); // the change notification and its drift check
      expect(nsExec(ns.n1, 'nft list tables').stdout).toContain('table inet someone-else');
      expect(nsExec(ns.n1, 'nft list chain inet someone-else keep').status).toBe(0);
      expect((await statusOf('node-1'))?.state).toBe('applied');
    });
  });
});
