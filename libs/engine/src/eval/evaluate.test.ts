import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../calc/cluster-state.js';
import { parseDocuments } from '../parse/documents.js';
import { evaluateFlow } from './flow.js';
import { FlowError } from './peers.js';
import { parseProbes, ProbeError, simulate } from './simulate.js';
import { namespace, node, pod, snapshotOf } from './test-support/snapshots.js';

const base = [
  namespace('shop', { team: 'shop' }),
  namespace('data', { team: 'data' }),
  pod('shop', 'web', '10.0.1.1', { app: 'web' }, { serviceAccount: 'web-sa', ports: [{ name: 'http', port: 8080 }] }),
  pod('shop', 'worker', '10.0.1.2', { app: 'worker' }, { node: 'node-2' }),
  pod(
    'data',
    'db',
    '10.0.2.1',
    { app: 'db' },
    {
      ports: [
        { name: 'pg', port: 5432 },
        { name: 'metrics', port: 9187 },
      ],
    },
  ),
  `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web-sa, namespace: shop, labels: {tier: frontend}}\n`,
];

describe('explain trace', () => {
  it('says which rule dropped the traffic and why the earlier ones did not match', () => {
    const snapshot = snapshotOf(
      ...base,
      `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-access, namespace: data}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api', namespaceSelector: team == 'shop'}
    destination: {ports: [5432]}
  - action: Allow
    protocol: TCP
    source: {namespaceSelector: team == 'shop'}
    destination: {ports: [6379]}
`,
    );
    const result = evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }, { explain: true });
    expect(result.allowed).toBe(false);
    const trace = result.ingress!.trace!;
    const rules = trace.filter((t) => t.step === 'rule');
    expect(rules).toEqual([
      expect.objectContaining({ rule: 0, matched: false, reason: expect.stringMatching(/^source shop\/web does not match selector app == 'api' and namespaceSelector team == 'shop'/) }),
      expect.objectContaining({ rule: 1, matched: false, reason: 'destination port 5432 not in [6379]' }),
    ]);
    expect(trace.at(-2)).toMatchObject({ step: 'end-of-tier', tier: 'default', action: 'Deny' });
    expect(trace.at(-1)).toMatchObject({ step: 'verdict', verdict: 'deny' });
  });

  it('lists the policies of a participating tier that did not apply, and why', () => {
    const snapshot = snapshotOf(
      ...base,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: only-web}\nspec:\n  selector: app == 'web'\n  ingress: [{action: Allow}]\n`,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: db-egress}\nspec:\n  selector: app == 'db'\n  egress: [{action: Allow}]\n`,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: db-in}\nspec:\n  selector: app == 'db'\n  ingress: [{action: Deny, protocol: UDP}]\n`,
    );
    const trace = evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }, { explain: true }).ingress!.trace!;
    expect(trace.filter((t) => t.step === 'policy')).toEqual([
      { step: 'policy', tier: 'default', policy: 'GlobalNetworkPolicy db-egress', applies: false, reason: 'types [Egress] do not include Ingress' },
      { step: 'policy', tier: 'default', policy: 'GlobalNetworkPolicy only-web', applies: false, reason: "selector app == 'web' does not match data/db" },
    ]);
    expect(trace.find((t) => t.step === 'rule')).toMatchObject({ policy: 'GlobalNetworkPolicy db-in', matched: false, reason: 'protocol TCP is not UDP' });
  });
});

describe('matching', () => {
  it('resolves named ports on the destination endpoint and protocol', () => {
    const snapshot = snapshotOf(
      ...base,
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: pg, namespace: data}\nspec:\n  selector: app == 'db'\n  ingress: [{action: Allow, destination: {ports: [pg]}}]\n`,
    );
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 9187 }).allowed).toBe(false);
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'UDP', port: 5432 }).allowed).toBe(false);
  });

  it('matches serviceAccounts by name and by the account labels', () => {
    const policy = (sa: string) =>
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: sa}\nspec:\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {serviceAccounts: ${sa}}}]\n`;
    for (const sa of ['{names: [web-sa]}', "{selector: tier == 'frontend'}"]) {
      const snapshot = snapshotOf(...base, policy(sa));
      expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }).allowed, sa).toBe(true);
      expect(evaluateFlow(snapshot, { from: 'shop/worker', to: 'data/db', protocol: 'TCP', port: 5432 }).allowed, sa).toBe(false);
    }
  });

  it('matches network sets by selector, notNets and notSelector as Calico negates them', () => {
    const snapshot = snapshotOf(
      ...base,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: partners, labels: {kind: partner}}\nspec: {nets: [203.0.113.0/24]}\n`,
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: egress}
spec:
  selector: app == 'web'
  egress:
  - action: Allow
    destination: {selector: kind == 'partner', notNets: [203.0.113.66/32]}
  - action: Allow
    destination: {notSelector: app == 'db'}
`,
    );
    const egress = (to: string) => evaluateFlow(snapshot, { from: 'shop/web', to, protocol: 'TCP', port: 443 }).egress!.decidedBy;
    expect(egress('203.0.113.5')).toMatchObject({ kind: 'rule', rule: 0 });
    expect(egress('203.0.113.66')).toMatchObject({ kind: 'rule', rule: 1 });
    expect(egress('data/db')).toEqual({ kind: 'end-of-tier', tier: 'default', action: 'Deny' });
  });

  it('decides ICMP by type and code, and IPv6 by address family', () => {
    const snapshot = snapshotOf(
      ...base,
      pod('shop', 'v6', 'fd00::10', { app: 'v6' }),
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: icmp}
spec:
  selector: app in {'db', 'v6'}
  ingress:
  - {action: Allow, protocol: ICMP, icmp: {type: 8, code: 0}}
  - {action: Allow, protocol: ICMPv6, icmp: {type: 128}}
  - {action: Allow, protocol: TCP, source: {nets: ['fd00::/64']}}
`,
    );
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'ICMP', icmp: { type: 8, code: 0 } }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'ICMP', icmp: { type: 13 } }).allowed).toBe(false);
    expect(evaluateFlow(snapshot, { from: 'fd00::99', to: 'shop/v6', protocol: 'ICMPv6', icmp: { type: 128 } }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'fd00::99', to: 'shop/v6', protocol: 6, port: 80 }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'fd01::99', to: 'shop/v6', protocol: 6, port: 80 }).allowed).toBe(false);
  });

  it('matches a destination service by its EndpointSlice addresses and ports', () => {
    const snapshot = snapshotOf(
      ...base,
      `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: db-x1, namespace: data, labels: {kubernetes.io/service-name: db}}\naddressType: IPv4\nendpoints: [{addresses: [10.0.2.1]}]\nports: [{name: pg, port: 5432, protocol: TCP}]\n`,
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: to-db, namespace: shop}\nspec:\n  selector: app == 'web'\n  egress: [{action: Allow, destination: {services: {name: db, namespace: data}}}]\n`,
    );
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 9187 }).allowed).toBe(false);
  });

  it('lets Pass skip the rest of a tier to the next one', () => {
    const snapshot = snapshotOf(
      ...base,
      `apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}\n`,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: security.pass-shop}\nspec:\n  tier: security\n  order: 1\n  selector: app == 'db'\n  ingress: [{action: Pass, source: {namespaceSelector: team == 'shop'}}, {action: Deny}]\n`,
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: db, namespace: data}\nspec:\n  selector: app == 'db'\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [5432]}}]\n`,
    );
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }).ingress!.decidedBy).toMatchObject({
      kind: 'rule',
      tier: 'default',
      policy: 'NetworkPolicy/data/db',
    });
    expect(evaluateFlow(snapshot, { from: '10.9.9.9', to: 'data/db', protocol: 'TCP', port: 5432 }).ingress!.decidedBy).toMatchObject({ kind: 'rule', tier: 'security', action: 'Deny' });
  });
});

describe('staged policies', () => {
  const staged = `apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: lockdown, namespace: data}\nspec:\n  selector: app == 'db'\n  ingress: [{action: Allow, source: {namespaceSelector: team == 'shop'}, protocol: TCP, destination: {ports: [5432]}}]\n`;
  it('reports what a staged policy would do without changing the verdict', () => {
    const snapshot = snapshotOf(...base, staged);
    const toDb = evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 9187 });
    expect(toDb.allowed).toBe(true);
    expect(toDb.pending).toMatchObject({ allowed: false, differs: true });
    expect(toDb.pending!.deniedAt!.decidedBy).toEqual({ kind: 'end-of-tier', tier: 'default', action: 'Deny' });
    const allowed = evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 });
    expect(allowed.pending).toMatchObject({ allowed: true, differs: true });
  });

  it('replaces the enforced policy of the same name, and a staged Delete removes it', () => {
    const enforced = `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: lockdown, namespace: data}\nspec:\n  selector: app == 'db'\n  ingress: [{action: Deny}]\n`;
    const replaced = snapshotOf(...base, enforced, staged);
    const r = evaluateFlow(replaced, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 });
    expect(r.allowed).toBe(false);
    expect(r.pending?.allowed).toBe(true);
    const deleted = snapshotOf(...base, enforced, `apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: lockdown, namespace: data}\nspec: {stagedAction: Delete}\n`);
    const d = evaluateFlow(deleted, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 });
    expect([d.allowed, d.pending?.allowed]).toEqual([false, true]);
  });
});

describe('host endpoints', () => {
  const hosts = [
    node('node-1', '192.168.0.1'),
    node('node-2', '192.168.0.2'),
    `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1, labels: {host: 'true'}}\nspec: {node: node-1, interfaceName: '*', expectedIPs: [192.168.0.1]}\n`,
    `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n2, labels: {host: 'true'}}\nspec: {node: node-2, interfaceName: eth0, expectedIPs: [192.168.0.2]}\n`,
  ];

  it('runs doNotTrack before anything else and preDNAT before normal policy', () => {
    const snapshot = snapshotOf(
      ...base,
      ...hosts,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: untracked}\nspec:\n  selector: has(host)\n  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Deny, source: {nets: [198.51.100.0/24]}}]\n  egress: [{action: Allow}]\n`,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: nodeports}\nspec:\n  selector: has(host)\n  preDNAT: true\n  applyOnForward: true\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [30080]}}]\n`,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: host-in}\nspec:\n  selector: has(host)\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [443]}}]\n`,
    );
    const to = (from: string, port: number) => evaluateFlow(snapshot, { from, to: 'hep:node-2/n2', protocol: 'TCP', port });
    expect(to('198.51.100.7', 22).deniedAt).toMatchObject({ stage: 'doNotTrack', decidedBy: { kind: 'rule', policy: 'GlobalNetworkPolicy/untracked', action: 'Deny' } });
    expect(to('203.0.113.1', 30080).stages.map((s) => [s.stage, s.verdict])).toEqual([['preDNAT', 'allow']]);
    expect(to('203.0.113.1', 443).ingress?.decidedBy).toMatchObject({ kind: 'rule', policy: 'GlobalNetworkPolicy/host-in' });
    expect(to('203.0.113.1', 8443).deniedAt?.decidedBy).toEqual({ kind: 'end-of-tier', tier: 'default', action: 'Deny' });
  });

  it('applies applyOnForward policy to forwarded pod traffic and allows it when none applies', () => {
    const open = snapshotOf(...base, ...hosts);
    const crossNode = evaluateFlow(open, { from: 'shop/web', to: 'shop/worker', protocol: 'TCP', port: 80 });
    expect(crossNode.stages.map((s) => `${s.endpoint}:${s.stage}:${s.verdict}`)).toEqual([
      'shop/web:normal:allow',
      'hep:node-1/n1:forward:allow',
      'hep:node-2/n2:forward:allow',
      'shop/worker:normal:allow',
    ]);
    const guarded = snapshotOf(
      ...base,
      ...hosts,
      `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: fwd}\nspec:\n  selector: has(host)\n  applyOnForward: true\n  egress: [{action: Deny, protocol: TCP, destination: {ports: [25]}}]\n`,
    );
    expect(evaluateFlow(guarded, { from: 'shop/web', to: 'shop/worker', protocol: 'TCP', port: 25 }).deniedAt).toMatchObject({ endpoint: 'hep:node-1/n1', stage: 'forward' });
    expect(evaluateFlow(guarded, { from: 'shop/web', to: 'shop/worker', protocol: 'TCP', port: 80 }).deniedAt).toMatchObject({ stage: 'forward', decidedBy: { kind: 'end-of-tier' } });
  });

  it("sends a workload's traffic to its own host through defaultEndpointToHostAction (Drop unless configured)", () => {
    const snapshot = snapshotOf(...base, ...hosts);
    expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'host:node-1', protocol: 'TCP', port: 10250 }).deniedAt?.decidedBy).toEqual({ kind: 'endpoint-to-host', action: 'Drop' });
    const accept = snapshotOf(
      ...base,
      ...hosts,
      `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {defaultEndpointToHostAction: Accept, logSeverityScreen: Info}\n`,
    );
    expect(evaluateFlow(accept, { from: 'shop/web', to: 'host:node-1', protocol: 'TCP', port: 10250 }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'host:node-1', to: 'shop/web', protocol: 'TCP', port: 8080 }).ingress?.decidedBy).toEqual({ kind: 'host-to-local-workload' });
  });

  it('uses the configured failsafe ports, per node', () => {
    const snapshot = snapshotOf(
      ...base,
      ...hosts,
      `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.node-2}\nspec:\n  failsafeInboundHostPorts: [{protocol: TCP, port: 2222}]\n`,
    );
    expect(evaluateFlow(snapshot, { from: '10.9.9.9', to: 'hep:node-2/n2', protocol: 'TCP', port: 2222 }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: '10.9.9.9', to: 'hep:node-2/n2', protocol: 'TCP', port: 22 }).allowed).toBe(false);
  });
});

describe('errors', () => {
  it('names unknown endpoints and malformed flows', () => {
    const snapshot = snapshotOf(...base);
    expect(() => evaluateFlow(snapshot, { from: 'shop/nope', to: 'data/db', protocol: 'TCP', port: 1 })).toThrow(FlowError);
    expect(() => evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP' })).toThrow('a TCP flow needs a destination port');
    expect(() => evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'FOO', port: 1 })).toThrow('unknown protocol "FOO"');
    expect(() => simulate(snapshot, [{ from: 'shop/web', to: 'hep:x/y', protocol: 'TCP', port: 1 }])).toThrow(
      new ProbeError(0, 'to', 'no host endpoint x/y in the snapshot (write hep:<node>/<hostEndpointName>)'),
    );
    expect(() => parseProbes([{ from: 'a/b', to: 'c/d', protocol: 'TCP', port: 99999 }])).toThrow('probe 0: port: must be an integer from 1 to 65535');
    expect(() => parseProbes([{ from: 'a/b', to: 'c/d', proto: 'TCP' }])).toThrow('probe 0: proto: is not a probe field');
  });

  it('reports two pods with one IP and a policy in a missing tier, naming documents and fields', () => {
    const parsed = parseDocuments(
      [...base, pod('shop', 'clone', '10.0.1.1', { app: 'clone' }), `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {tier: security}\n`].join('\n---\n'),
    );
    const snapshot = buildSnapshot(parsed.documents.map((d) => ({ resource: d.resource!, document: d.document })));
    expect(snapshot.errors).toEqual([
      {
        message: 'shop/web and shop/clone both have IP 10.0.1.1',
        refs: [
          { type: 'Pod', name: 'web', namespace: 'shop', document: 2, field: 'status.podIP' },
          { type: 'Pod', name: 'clone', namespace: 'shop', document: 6, field: 'status.podIP' },
        ],
      },
      { message: 'GlobalNetworkPolicy p is in tier "security", which no Tier resource defines', refs: [{ type: 'GlobalNetworkPolicy', name: 'p', document: 7, field: 'spec.tier' }] },
    ]);
  });
});

describe('untracked traffic', () => {
  const hosts = [
    node('node-2', '192.168.0.2'),
    `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n2, labels: {host: 'true'}}\nspec: {node: node-2, interfaceName: eth0, expectedIPs: [192.168.0.2]}\n`,
  ];
  const allowIn = `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: raw-in}\nspec:\n  selector: has(host)\n  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Allow, protocol: UDP, destination: {ports: [53]}}]\n`;
  it('needs the reply allowed explicitly, because connection tracking never saw the request', () => {
    const oneWay = snapshotOf(...base, ...hosts, allowIn);
    const r = evaluateFlow(oneWay, { from: '10.9.9.9', to: 'hep:node-2/n2', protocol: 'UDP', port: 53, sourcePort: 40000 });
    expect(r.allowed).toBe(false);
    expect(r.deniedAt).toMatchObject({ endpoint: 'hep:node-2/n2', direction: 'egress', stage: 'normal', decidedBy: { kind: 'no-profile' } });
    const both = snapshotOf(...base, ...hosts, allowIn.replace('ingress: [', 'egress: [{action: Allow, protocol: UDP, source: {ports: [53]}}]\n  ingress: ['));
    expect(evaluateFlow(both, { from: '10.9.9.9', to: 'hep:node-2/n2', protocol: 'UDP', port: 53, sourcePort: 40000 }).allowed).toBe(true);
  });
});

describe('Kubernetes NetworkPolicy without policyTypes', () => {
  // The API server defaults policyTypes to Ingress plus Egress when there are egress rules, so the
  // egress rules of such a policy are enforced; written out or left for defaulting, one verdict.
  const egressOnlyToDb = (policyTypes: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
${policyTypes}  egress:
  - to:
    - namespaceSelector: {matchLabels: {team: data}}
    ports: [{protocol: TCP, port: 5432}]
`;
  for (const [spelling, types] of [
    ['left out', ''],
    ['written out', '  policyTypes: [Ingress, Egress]\n'],
  ] as const) {
    it(`enforces the egress rules when policyTypes is ${spelling}`, () => {
      const snapshot = snapshotOf(...base, egressOnlyToDb(types));
      expect(evaluateFlow(snapshot, { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 }).allowed).toBe(true);
      const denied = evaluateFlow(snapshot, { from: 'shop/web', to: 'shop/worker', protocol: 'TCP', port: 80 });
      expect(denied.allowed).toBe(false);
      expect(denied.egress?.verdict).toBe('deny');
      // Ingress is isolated too (no ingress rules): nothing reaches web.
      expect(evaluateFlow(snapshot, { from: 'shop/worker', to: 'shop/web', protocol: 'TCP', port: 8080 }).allowed).toBe(false);
    });
  }
});
