import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClusterState } from '../calc/cluster-state.js';
import { keyOf } from '../calc/inputs.js';
import { evaluateFlow } from '../eval/flow.js';
import { FlowError } from '../eval/peers.js';
import { namespace, pod, snapshotOf } from '../eval/test-support/snapshots.js';
import type { Snapshot } from '../eval/snapshot.js';
import { decoded, resource } from '../test-support/random-resources.js';
import { AllPairs, type NamespacePairSummary } from './all-pairs.js';
import { formatRange, parsePortList, type PortUniverse } from './ports.js';

// Every port just below, at and above each port the random resources name (80, 443, 8000:9000,
// named http 80/8080 and metrics 9090, service ports 80/8080, DNS 53), for TCP and UDP.
const UNIVERSE = parsePortList('tcp/52-54,tcp/79-81,tcp/442-444,tcp/7999-8001,tcp/8079-8081,tcp/8999-9001,tcp/9089-9091,udp/52-54,udp/79-81,udp/8079-8081');

const REPLICA_IPS = fc.constantFrom('10.99.0.8', '10.99.0.3', '10.99.3.1', '10.99.3.2', '10.99.3.3', 'fd00:99::9', '192.0.2.9');
// Named ports as the originals have them, none, or http on another number.
const REPLICA_PORTS = fc.constantFrom(
  [
    { name: 'http', containerPort: 8080 },
    { name: 'metrics', containerPort: 9090 },
  ],
  [],
  [{ name: 'http', containerPort: 80 }],
);

/** The answer pair by pair and port by port, through the same entry point `palisade simulate` uses for one flow. */
function bruteForce(snapshot: Snapshot, universe: PortUniverse): Map<string, string[]> {
  const ids = [...snapshot.endpoints.values()]
    .filter((e) => e.kind === 'workload' && e.ips.length > 0)
    .map((e) => e.id)
    .sort();
  const answers = new Map<string, string[]>();
  for (const from of ids) {
    for (const to of ids) {
      if (from === to) continue;
      const entries: string[] = [];
      for (const [protocol, ranges] of universe) {
        for (const range of ranges) {
          let open: { min: number; max: number } | undefined;
          for (let port = range.min; port <= range.max; port++) {
            let allowed: boolean;
            try {
              allowed = evaluateFlow(snapshot, { from, to, protocol, port }).allowed;
            } catch (error) {
              if (!(error instanceof FlowError)) throw error;
              allowed = false;
            }
            if (allowed && open) open.max = port;
            else if (allowed) open = { min: port, max: port };
            else if (open) {
              entries.push(formatRange(protocol, open));
              open = undefined;
            }
          }
          if (open) entries.push(formatRange(protocol, open));
        }
      }
      answers.set(`${from} ${to}`, entries);
    }
  }
  return answers;
}

function byPairs(all: AllPairs): Map<string, string[]> {
  const answers = new Map<string, string[]>();
  all.forEachPair((from, to, allowed) => answers.set(`${from.id} ${to.id}`, [...allowed]));
  return answers;
}

function summaryOf(snapshot: Snapshot, answers: Map<string, string[]>): NamespacePairSummary[] {
  const rows = new Map<string, NamespacePairSummary>();
  for (const [pair, allowed] of answers) {
    const [from, to] = pair.split(' ') as [string, string];
    const x = snapshot.endpoints.get(from)!.namespace ?? '';
    const y = snapshot.endpoints.get(to)!.namespace ?? '';
    let row = rows.get(`${x} ${y}`);
    if (!row) rows.set(`${x} ${y}`, (row = { fromNamespace: x, toNamespace: y, pairs: 0, connected: 0, allowed: {} }));
    row.pairs++;
    if (allowed.length) row.connected++;
    for (const entry of allowed) row.allowed[entry] = (row.allowed[entry] ?? 0) + 1;
  }
  return [...rows.values()].sort((a, b) => `${a.fromNamespace} ${a.toNamespace}`.localeCompare(`${b.fromNamespace} ${b.toNamespace}`));
}

describe('all-pairs connectivity by equivalence classes', () => {
  it('equals deciding every pair and every port one by one, on random clusters', () => {
    let classesSmaller = 0;
    const methods = { halves: 0, 'whole-flows': 0 };
    fc.assert(
      fc.property(
        fc.array(resource, { minLength: 4, maxLength: 28 }),
        fc.array(fc.nat(3), { minLength: 8, maxLength: 8 }),
        fc.array(REPLICA_IPS, { minLength: 8, maxLength: 8 }),
        fc.array(REPLICA_PORTS, { minLength: 8, maxLength: 8 }),
        (raw, replicas, ips, ports) => {
          // The last write of each resource wins, as applying them in order would leave it.
          const resources = new Map(raw.map((r) => decoded(r)).map((r) => [keyOf(r), r]));
          // Replicas of the pods, on other addresses (some inside the rules' nets, some not): what classes are for.
          [...resources.values()]
            .filter((r) => r.kind === 'Pod')
            .forEach((r, i) => {
              for (let k = 0; k < (replicas[i % 8] ?? 0); k++) {
                const spec = { ...(r as { spec: object }).spec, containers: [{ name: 'app', ports: ports[(i + k) % 8] }] };
                const copy = decoded({ ...r, metadata: { ...r.metadata, name: `${r.metadata.name}-r${k}` }, spec, status: { podIP: ips[(i + k) % 8] } });
                resources.set(keyOf(copy), copy);
              }
            });
          const snapshot = ClusterState.from([...resources.values()]);
          const all = new AllPairs(snapshot, { ports: UNIVERSE });
          const expected = bruteForce(snapshot, UNIVERSE);
          expect(byPairs(all)).toEqual(expected);
          expect(all.summary()).toEqual(summaryOf(snapshot, expected));
          if (all.classCount < all.classes.endpoints.length) classesSmaller++;
          methods[all.method]++;
        },
      ),
      { numRuns: 300 },
    );
    // Not a vacuous pass: the classes did merge endpoints in some of the clusters.
    expect(classesSmaller).toBeGreaterThan(15);
    // Both ways of deciding were checked.
    expect(methods.halves).toBeGreaterThan(30);
    expect(methods['whole-flows']).toBeGreaterThan(30);
  });

  it('answers every port by default, as ranges merged across port segments', () => {
    const snapshot = snapshotOf(
      namespace('shop'),
      pod('shop', 'web-1', '10.0.0.1', { app: 'web' }),
      pod('shop', 'web-2', '10.0.0.2', { app: 'web' }),
      pod('shop', 'api-1', '10.0.0.3', { app: 'api' }, { ports: [{ name: 'http', port: 8080 }] }),
      `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  selector: app == 'api'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'web'}, destination: {ports: [http, '9000:9010']}}
  - {action: Allow, protocol: UDP, source: {selector: app == 'web'}}
`,
    );
    const all = new AllPairs(snapshot);
    const answers = byPairs(all);
    expect(answers.get('shop/web-1 shop/api-1')).toEqual(['TCP/8080', 'TCP/9000-9010', 'UDP/1-65535']);
    // No policy selects the web pods: everything is open to them, and from the api pod (its egress is not policed).
    expect(answers.get('shop/api-1 shop/web-2')).toEqual(['TCP/1-65535', 'UDP/1-65535', 'SCTP/1-65535']);
    expect(answers.get('shop/web-2 shop/web-1')).toEqual(['TCP/1-65535', 'UDP/1-65535', 'SCTP/1-65535']);
    // The two web pods are one class: three classes... two, and no evaluation per port.
    expect(all.classCount).toBe(2);
    expect(all.summary()).toEqual([
      {
        fromNamespace: 'shop',
        toNamespace: 'shop',
        pairs: 6,
        connected: 6,
        allowed: { 'TCP/8080': 2, 'TCP/9000-9010': 2, 'UDP/1-65535': 6, 'TCP/1-65535': 4, 'SCTP/1-65535': 4 },
      },
    ]);
  });
});

describe('what puts two pods in different classes', () => {
  const web = (name: string, ip: string, extra: Parameters<typeof pod>[4] = {}) => pod('shop', name, ip, { app: 'web' }, extra);
  const client = pod('shop', 'client', '10.0.9.1', { app: 'client' });
  const answersOf = (...documents: string[]) => {
    const all = new AllPairs(snapshotOf(namespace('shop'), client, ...documents), { ports: parsePortList('80,8080') });
    return { all, answers: byPairs(all) };
  };

  it("an address inside a rule's nets", () => {
    const { all, answers } = answersOf(
      web('web-1', '10.0.0.1'),
      web('web-2', '10.0.1.1'),
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  selector: app == 'client'\n  egress: [{action: Allow, protocol: TCP, destination: {nets: [10.0.0.0/24]}}]\n`,
    );
    expect(answers.get('shop/client shop/web-1')).toEqual(['TCP/80', 'TCP/8080']);
    expect(answers.get('shop/client shop/web-2')).toEqual([]);
    expect(all.classCount).toBe(3);
  });

  it('named ports on other numbers', () => {
    const { answers } = answersOf(
      web('web-1', '10.0.0.1', { ports: [{ name: 'http', port: 80 }] }),
      web('web-2', '10.0.0.2', { ports: [{ name: 'http', port: 8080 }] }),
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  selector: app == 'web'\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [http]}}]\n`,
    );
    expect(answers.get('shop/client shop/web-1')).toEqual(['TCP/80']);
    expect(answers.get('shop/client shop/web-2')).toEqual(['TCP/8080']);
  });

  it("the source's own address, tested by its own egress rules", () => {
    const { answers } = answersOf(
      web('web-1', '10.0.0.1'),
      web('web-2', '10.0.1.1'),
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  selector: app == 'web'\n  egress: [{action: Allow, source: {nets: [10.0.0.0/24]}}]\n`,
    );
    expect(answers.get('shop/web-1 shop/client')).toEqual(['TCP/80', 'TCP/8080']);
    expect(answers.get('shop/web-2 shop/client')).toEqual([]);
  });

  it("the destination's named ports, resolved by the source's egress rules", () => {
    const { answers } = answersOf(
      web('web-1', '10.0.0.1', { ports: [{ name: 'http', port: 80 }] }),
      web('web-2', '10.0.0.2', { ports: [{ name: 'http', port: 8080 }] }),
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  selector: app == 'client'\n  egress: [{action: Allow, protocol: TCP, destination: {ports: [http]}}]\n`,
    );
    expect(answers.get('shop/client shop/web-1')).toEqual(['TCP/80']);
    expect(answers.get('shop/client shop/web-2')).toEqual(['TCP/8080']);
  });

  it('an address a selected network set covers', () => {
    const { answers } = answersOf(
      web('web-1', '10.0.0.1'),
      web('web-2', '10.0.1.1'),
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: lab, labels: {role: lab}}\nspec: {nets: [10.0.1.0/24]}\n`,
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  selector: app == 'client'\n  egress: [{action: Deny, destination: {selector: role == 'lab', namespaceSelector: global()}}, {action: Allow}]\n`,
    );
    expect(answers.get('shop/client shop/web-1')).toEqual(['TCP/80', 'TCP/8080']);
    expect(answers.get('shop/client shop/web-2')).toEqual([]);
  });

  it('the node, when host endpoints police forwarded traffic', () => {
    const hep = (node: string, ip: string) =>
      `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${node}, labels: {host: 'true', node: ${node}}}\nspec: {node: ${node}, interfaceName: eth0, expectedIPs: [${ip}]}\n`;
    const { answers } = answersOf(
      web('web-1', '10.0.0.1', { node: 'node-1' }),
      web('web-2', '10.0.0.2', { node: 'node-2' }),
      hep('node-1', '192.168.0.1'),
      hep('node-2', '192.168.0.2'),
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: fwd}\nspec:\n  selector: node == 'node-2'\n  applyOnForward: true\n  ingress: [{action: Deny, protocol: TCP, destination: {ports: [8080]}}, {action: Allow}]\n`,
    );
    // The client runs on node-1 (the pod helper's default): to web-1 it stays on the node, to web-2 it crosses node-2's uplink.
    expect(answers.get('shop/client shop/web-1')).toEqual(['TCP/80', 'TCP/8080']);
    expect(answers.get('shop/client shop/web-2')).toEqual(['TCP/80']);
  });
});

describe('--ports', () => {
  it('reads ports, ranges and protocols, merging overlaps', () => {
    expect([...parsePortList('443, 80,tcp/8000-8080,UDP/53,8080-8090')]).toEqual([
      [
        6,
        [
          { min: 80, max: 80 },
          { min: 443, max: 443 },
          { min: 8000, max: 8090 },
        ],
      ],
      [17, [{ min: 53, max: 53 }]],
    ]);
  });

  it.each([
    ['80,', '"" (at character 4): empty item'],
    ['80,icmp/8', '"icmp/8" (at character 4): unknown protocol "icmp"'],
    ['tcp/70000', '"tcp/70000" (at character 1): port 70000 is out of range'],
    ['90-80', 'range 90-80 ends before it starts'],
    ['http', '"http" is not a port number'],
  ])('refuses %s, naming the item and where it is', (text, message) => {
    expect(() => parsePortList(text)).toThrow(message);
  });
});
