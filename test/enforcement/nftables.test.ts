// Real enforcement: a node namespace routes between three "pod" namespaces over veth pairs, as a
// Calico node routes between its workloads' interfaces. The engine compiles the node's policy, nft
// loads it in the node namespace, and real TCP, UDP and ICMP traffic must get exactly the verdict
// the simulator gives, decided by the same rule (read back from the nft counters).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot, compileNode, describeCounter, evaluateFlow, parseDocuments, renderNftables, type FlowSpec, type NodeIR, type Snapshot } from '@palisade/engine';
import { ensureHostTools, nsExec, nsSpawn, sh } from '../support/netns.js';

const tools = await ensureHostTools();
if (!tools.ok) console.warn(`SKIPPED real-enforcement tests: ${tools.reason}`);

const tag = `p${process.pid % 100000}`;
const ns = { node: `${tag}-node`, a: `${tag}-a`, b: `${tag}-b`, c: `${tag}-c` };
const pods = [
  { key: 'a', name: 'frontend', ip: '10.99.1.2', gw: '10.99.1.1', labels: { role: 'frontend' } },
  { key: 'b', name: 'api', ip: '10.99.2.2', gw: '10.99.2.1', labels: { role: 'api' } },
  { key: 'c', name: 'db', ip: '10.99.3.2', gw: '10.99.3.1', labels: { role: 'db' } },
] as const;

const snapshotYaml = [
  'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n',
  ...pods.map(
    (p) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: node--1-k8s-${p.name}-eth0, namespace: demo, labels: ${JSON.stringify(p.labels)}}
spec: {orchestrator: k8s, node: node-1, pod: ${p.name}, endpoint: eth0, interfaceName: pal${p.key}, ipNetworks: [${p.ip}/32], profiles: [kns.demo]${p.name === 'api' ? ', ports: [{name: metrics, protocol: TCP, port: 9090}]' : ''}}
`,
  ),
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
  - action: Allow
    protocol: TCP
    source: {selector: role == 'db'}
    destination: {ports: [8081, metrics]}
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
  - action: Allow
    protocol: ICMP
    icmp: {type: 8}
  - action: Log
    protocol: UDP
  - action: Deny
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

// Each probe with the verdict worked out by hand from the policies above, so the simulator and
// the kernel are both checked against the intended behaviour, not only against each other.
const probes: (FlowSpec & { from: string; to: string; expected: boolean; why: string })[] = [
  { from: 'demo/frontend', to: 'demo/api', protocol: 'TCP', port: 8080, expected: true, why: 'api-ingress allows frontend on 8080' },
  { from: 'demo/frontend', to: 'demo/api', protocol: 'TCP', port: 8081, expected: false, why: 'end of tier default for api' },
  { from: 'demo/db', to: 'demo/api', protocol: 'TCP', port: 8080, expected: false, why: 'db may reach only 8081 and the named port metrics: end of tier default' },
  { from: 'demo/db', to: 'demo/api', protocol: 'TCP', port: 8081, expected: true, why: 'api-ingress rule 1 allows db on 8081 (a number)' },
  { from: 'demo/db', to: 'demo/api', protocol: 'TCP', port: 9090, expected: true, why: "api-ingress rule 1 allows db on api's named port metrics (9090): numbers and names are alternatives" },
  { from: 'demo/frontend', to: 'demo/db', protocol: 'ICMP', icmp: { type: 8, code: 0 }, expected: true, why: 'security.db allows echo requests' },
  { from: 'demo/frontend', to: 'demo/db', protocol: 'UDP', port: 5353, expected: false, why: 'security.db logs, then denies UDP from frontend' },
  { from: 'demo/api', to: 'demo/db', protocol: 'UDP', port: 5353, expected: true, why: 'security.db passes UDP; no default-tier policy for db; the namespace profile allows' },
  { from: 'demo/frontend', to: 'demo/db', protocol: 'TCP', port: 9090, expected: false, why: 'frontend-egress denies 9090' },
  { from: 'demo/api', to: 'demo/db', protocol: 'TCP', port: 9090, expected: false, why: 'end of tier security for db' },
];

const ipOf = (endpoint: string) => pods.find((p) => `demo/${p.name}` === endpoint)!.ip;
const nsOf = (endpoint: string) => ns[pods.find((p) => `demo/${p.name}` === endpoint)!.key];

/** Sends real traffic from the source namespace; true when the reply came back. */
function realProbe(probe: FlowSpec & { from: string; to: string }): boolean {
  const from = nsOf(probe.from);
  const to = ipOf(probe.to);
  if (probe.protocol === 'ICMP') return nsExec(from, `ping -c 1 -W 1 ${to}`).status === 0;
  const script =
    probe.protocol === 'TCP'
      ? `const s=require('net').connect(${probe.port},'${to}');s.setTimeout(1500,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`
      : `const s=require('dgram').createSocket('udp4');s.on('message',()=>process.exit(0));s.send('ping',${probe.port},'${to}');setTimeout(()=>process.exit(1),1500);`;
  return nsExec(from, `${process.execPath} -e "${script}"`).status === 0;
}

const servers: { kill: () => void }[] = [];
let snapshot: Snapshot;
let ir: NodeIR;
let before: boolean[] = [];

describe.skipIf(!tools.ok)('nftables enforcement in network namespaces', () => {
  beforeAll(() => {
    for (const name of Object.values(ns)) sh(`ip netns add ${name}`);
    sh(`ip netns exec ${ns.node} sysctl -qw net.ipv4.ip_forward=1`);
    for (const p of pods) {
      const pod = ns[p.key];
      sh(`ip link add pal${p.key} netns ${ns.node} type veth peer name eth0 netns ${pod}`);
      sh(`ip -n ${ns.node} addr add ${p.gw}/24 dev pal${p.key} && ip -n ${ns.node} link set pal${p.key} up`);
      sh(`ip -n ${pod} addr add ${p.ip}/24 dev eth0 && ip -n ${pod} link set eth0 up && ip -n ${pod} link set lo up && ip -n ${pod} route add default via ${p.gw}`);
      // Every pod serves TCP 8080, 8081, 9090 and echoes UDP 5353.
      servers.push(
        nsSpawn(
          pod,
          "for (const p of [8080,8081,9090]) require('net').createServer(s=>s.end()).listen(p,'0.0.0.0'); const u=require('dgram').createSocket('udp4'); u.on('message',(m,r)=>u.send(m,r.port,r.address)); u.bind(5353);",
        ),
      );
    }
    // Before any policy: the topology itself connects every pod to every other one.
    sh('sleep 0.5');
    before = probes.map((p) => realProbe(p));
    const parsed = parseDocuments(snapshotYaml);
    expect(parsed.errors).toEqual([]);
    snapshot = buildSnapshot(parsed.resources);
    expect(snapshot.errors).toEqual([]);
    ir = compileNode(snapshot, 'node-1');
    const file = join(mkdtempSync(join(tmpdir(), 'palisade-nft-')), 'node-1.nft');
    writeFileSync(file, renderNftables(ir));
    sh(`ip netns exec ${ns.node} nft -f ${file}`);
    // Give the servers a moment to listen.
    sh('sleep 0.5');
  });

  afterAll(() => {
    for (const s of servers) s.kill();
    for (const name of Object.values(ns)) sh(`ip netns del ${name} 2>/dev/null || true`);
  });

  it('connects every probe before policy is loaded (so a denial below is the policy, not the topology)', () => {
    expect(before).toEqual(probes.map(() => true));
  });

  it('loads as one transaction, and loading again replaces the table', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'palisade-nft-')), 'again.nft');
    writeFileSync(file, renderNftables(ir));
    expect(nsExec(ns.node, `nft -f ${file} && nft list tables`).stdout.trim()).toBe('table inet palisade');
  });

  it.each(probes.map((p) => [`${p.from} -> ${p.to} ${p.protocol}${p.port ? `/${p.port}` : ''}`, p] as const))('%s: the kernel does what the simulator says, by the same rule', (_label, probe) => {
    const start = counters();
    const expected = evaluateFlow(snapshot, probe);
    expect(expected.allowed, probe.why).toBe(probe.expected);
    const actual = realProbe(probe);
    expect(actual, probe.why).toBe(expected.allowed);
    // The counters that moved include the rule the simulator says decided.
    const moved = changed(start, counters());
    const decided = expected.deniedAt?.decidedBy ?? expected.ingress?.decidedBy;
    if (decided?.kind === 'rule') expect(moved).toContainEqual(expect.objectContaining({ kind: 'rule', owner: decided.policy, rule: decided.rule }));
    if (decided?.kind === 'end-of-tier') expect(moved).toContainEqual(expect.objectContaining({ kind: 'end-of-tier', tier: decided.tier }));
  });
});

interface Counted {
  comment: string;
  packets: number;
}

function counters(): Counted[] {
  const json = JSON.parse(nsExec(ns.node, 'nft -j list table inet palisade').stdout) as { nftables: { rule?: { comment?: string; expr: Record<string, unknown>[] } }[] };
  const out: Counted[] = [];
  for (const item of json.nftables) {
    const rule = item.rule;
    if (!rule?.comment) continue;
    const counter = rule.expr.find((e) => 'counter' in e)?.['counter'] as { packets: number } | undefined;
    if (counter) out.push({ comment: rule.comment, packets: counter.packets });
  }
  return out;
}

function changed(before: Counted[], after: Counted[]) {
  const base = new Map(before.map((c) => [c.comment, c.packets]));
  const sums = new Map<string, number>();
  for (const c of after) sums.set(c.comment, (sums.get(c.comment) ?? 0) + c.packets - (base.get(c.comment) ?? 0));
  return [...sums]
    .filter(([, d]) => d > 0)
    .map(([comment]) => describeCounter(ir, comment))
    .filter((c) => c !== undefined);
}
