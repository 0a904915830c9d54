import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeResource, type Resource } from '../model/resources.js';
import { validateDecoded } from '../validate/resource.js';
import { ClusterState } from '../calc/cluster-state.js';
import { keyOf, type Change } from '../calc/inputs.js';
import { evaluateFlow, type FlowSpec } from '../eval/flow.js';
import { compileNode, NodeCompiler } from './node-compiler.js';
import { applyIrDiff, type IrDiff } from './ir-diff.js';
import type { NodeIR } from './ir.js';

// Random change sequences applied one at a time (ClusterState.apply + NodeCompiler.update) must
// leave exactly what a full build of the final resources gives: after every step, the same content
// in every calculator of the graph; at the end, the same IR for every node, the same verdicts and
// traces, the same snapshot errors. Each diff must be minimal (only objects whose content changed)
// and complete (applied to the previous IR it gives the new one).

const NODES = ['n1', 'n2'];
const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
const APPS = ['web', 'db', 'cache'];
const POD_NAMES = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
// A small address pool, so IP clashes (and their resolution order) happen.
const IPS = ['10.99.0.1', '10.99.0.2', '10.99.0.3', '10.99.0.4', '10.99.0.5', '10.99.0.6', '10.99.0.7', 'fd00:99::1', 'fd00:99::2'];

const oneOf = <T>(items: readonly T[]) => fc.constantFrom(...items);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const labels = fc.record({ app: maybe(oneOf(APPS)), tier: maybe(oneOf(['front', 'back'])), team: maybe(oneOf(['red', 'blue'])) }).map((l) => compact(l) as Record<string, string>);
const selector = oneOf(["app == 'web'", "app == 'db'", "app in {'web', 'cache'}", 'has(tier)', "team == 'red'", 'all()', "role == 'ext'", "app != 'db'", "env == 'prod'"]);
const namespaceSelector = oneOf(["team == 'red'", "team == 'blue'", 'all()', "kubernetes.io/metadata.name == 'ns-b'"]);

const entity = fc
  .record({
    selector: maybe(selector),
    notSelector: maybe(selector),
    namespaceSelector: maybe(namespaceSelector),
    nets: maybe(fc.constant(['10.99.0.0/29'])),
    notNets: maybe(fc.constant(['10.99.0.4/30'])),
    ports: maybe(fc.constantFrom([80], ['http'], [443, 'metrics'], ['8000:9000'])),
    services: maybe(fc.constant({ name: 'svc1', namespace: 'ns-a' })),
  })
  .map(compact);

const ruleFor = (direction: 'ingress' | 'egress') =>
  fc.record({ action: oneOf(['Allow', 'Deny', 'Pass', 'Log']), protocol: maybe(oneOf(['TCP', 'UDP'])), source: maybe(entity), destination: maybe(entity) }).map((r) => {
    const out = compact(r) as Record<string, unknown> & { destination?: Record<string, unknown>; source?: Record<string, unknown> };
    // As Calico allows: services only as an egress destination (and alone), ports only with TCP/UDP/SCTP.
    if (out.source?.services) delete out.source.services;
    if (out.destination?.services) {
      if (direction === 'egress') out.destination = { services: out.destination.services };
      else delete out.destination.services;
    }
    for (const side of ['source', 'destination'] as const) if (out[side]?.ports && !out.protocol) out.protocol = 'TCP';
    return out;
  });
const rule = ruleFor('ingress');

const policyCommon = fc.record({
  order: maybe(oneOf([10, 20, 100])),
  tier: maybe(oneOf(['default', 'security'])),
  selector: maybe(selector),
  ingress: maybe(fc.array(ruleFor('ingress'), { maxLength: 2 })),
  egress: maybe(fc.array(ruleFor('egress'), { maxLength: 2 })),
});

const meta = (name: string, namespace?: string, l?: Record<string, string>) => compact({ name, namespace, labels: l && Object.keys(l).length ? l : undefined });

const resource: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ name: oneOf(NAMESPACES), labels }).map(({ name, labels: l }) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined, l) })),
  fc.record({ ns: oneOf(NAMESPACES), name: oneOf(POD_NAMES), labels, node: oneOf(NODES), ip: oneOf(IPS), sa: oneOf(['default', 'sa1']), http: fc.boolean() }).map((p) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(p.name, p.ns, p.labels),
    spec: {
      nodeName: p.node,
      serviceAccountName: p.sa,
      containers: [
        {
          name: 'app',
          ports: p.http
            ? [
                { name: 'http', containerPort: 8080 },
                { name: 'metrics', containerPort: 9090 },
              ]
            : [],
        },
      ],
    },
    status: { podIP: p.ip },
  })),
  fc.record({ ns: oneOf(NAMESPACES), pod: oneOf(POD_NAMES), labels, node: oneOf(NODES), ip: oneOf(IPS), profile: fc.boolean() }).map((w) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: meta(`wep-${w.pod}`, w.ns, w.labels),
    spec: compact({
      node: w.node,
      orchestrator: 'k8s',
      pod: w.pod,
      endpoint: 'eth0',
      ipNetworks: [`${w.ip}/${w.ip.includes(':') ? 128 : 32}`],
      profiles: w.profile ? ['prof1'] : undefined,
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    }),
  })),
  fc.record({ name: oneOf(['h1', 'h2']), node: oneOf(NODES), labels, iface: maybe(fc.constant('eth0')), ip: oneOf(['10.99.1.1', '10.99.1.2']) }).map((h) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'HostEndpoint',
    metadata: meta(h.name, undefined, { ...h.labels, host: 'yes' }),
    spec: compact({ node: h.node, interfaceName: h.iface, expectedIPs: [h.ip] }),
  })),
  fc.record({ ns: oneOf(NAMESPACES), labels }).map(({ ns, labels: l }) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('sa1', ns, l) })),
  fc
    .record({ global: fc.boolean(), nets: fc.constantFrom(['10.99.0.0/30'], ['10.99.0.0/24', '192.0.2.0/24'], ['fd00:99::/64']) })
    .map(({ global, nets }) =>
      global
        ? { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: meta('gns', undefined, { role: 'ext' }), spec: { nets } }
        : { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: meta('ns1', 'ns-a', { role: 'ext' }), spec: { nets } },
    ),
  fc.record({ name: oneOf(['prof1', 'kns.ns-a', 'projectcalico-default-allow']), ingress: fc.array(rule, { maxLength: 1 }), env: fc.boolean() }).map((p) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'Profile',
    metadata: meta(p.name),
    spec: compact({ ingress: p.ingress, egress: [{ action: 'Allow' }], labelsToApply: p.env ? { env: 'prod' } : undefined }),
  })),
  fc.record({ order: oneOf([50, 500]), defaultAction: oneOf(['Deny', 'Pass']) }).map((t) => ({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: meta('security'), spec: t })),
  fc
    .record({ action: oneOf(['Drop', 'Accept', 'Return']) })
    .map((f) => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: meta('default'), spec: { defaultEndpointToHostAction: f.action } })),
  fc.record({ name: oneOf(NODES), labels, ip: oneOf(['10.99.1.1', '10.99.2.1']) }).map((n) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(n.name, undefined, n.labels),
    status: { addresses: [{ type: 'InternalIP', address: n.ip }] },
  })),
  // A slice may move to another service: both services must be rebuilt.
  fc.record({ ips: fc.subarray(IPS.slice(0, 4)), port: oneOf([80, 8080]), service: oneOf(['svc1', 'svc2']) }).map((s) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta('svc1-x', 'ns-a', { 'kubernetes.io/service-name': s.service }),
    addressType: 'IPv4',
    endpoints: s.ips.map((ip) => ({ addresses: [ip] })),
    ports: [{ name: 'http', port: s.port, protocol: 'TCP' }],
  })),
  fc
    .record({ ns: oneOf(NAMESPACES), name: oneOf(['np1', 'np2', 'np3']), common: policyCommon })
    .map(({ ns, name, common }) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: meta(name, ns), spec: compact(common) })),
  fc
    .record({ name: oneOf(['g1', 'g2']), common: policyCommon, nsSel: maybe(namespaceSelector), host: fc.constantFrom('none', 'forward', 'untracked', 'prednat') })
    .map(({ name, common, nsSel, host }) => {
      const spec: Record<string, unknown> = compact({ ...common, namespaceSelector: nsSel });
      if (host !== 'none') {
        spec.selector = 'host == "yes"';
        spec.applyOnForward = true;
        if (host === 'untracked') spec.doNotTrack = true;
        if (host === 'prednat') {
          spec.preDNAT = true;
          delete spec.egress;
          spec.types = ['Ingress'];
        }
      }
      return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: meta(name), spec };
    }),
  fc.record({ ns: oneOf(NAMESPACES), app: maybe(oneOf(APPS)), fromTeam: maybe(oneOf(['red', 'blue'])), port: maybe(oneOf([80, 'http'])) }).map((k) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('knp', k.ns),
    spec: {
      podSelector: k.app ? { matchLabels: { app: k.app } } : {},
      ingress: [compact({ from: k.fromTeam ? [{ namespaceSelector: { matchLabels: { team: k.fromTeam } } }] : undefined, ports: k.port !== undefined ? [{ port: k.port }] : undefined })],
      policyTypes: ['Ingress'],
    },
  })),
  fc.record({ ns: oneOf(NAMESPACES), del: fc.boolean(), common: policyCommon }).map(({ ns, del, common }) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: 'StagedNetworkPolicy',
    metadata: meta('np1', ns),
    spec: del ? { stagedAction: 'Delete' } : compact(common),
  })),
);

function decoded(raw: unknown): Resource {
  const { resource: r, issues } = decodeResource(raw);
  if (!r || issues.length) throw new Error(`generator made an undecodable resource: ${JSON.stringify(issues)} ${JSON.stringify(raw)}`);
  const problems = validateDecoded(r);
  if (problems.length) throw new Error(`generator made an invalid resource: ${JSON.stringify(problems)} ${JSON.stringify(raw)}`);
  return r;
}

const change: fc.Arbitrary<{ upsert: unknown } | { deleteIndex: number }> = fc.oneof(
  { weight: 3, arbitrary: resource.map((r) => ({ upsert: r })) },
  { weight: 1, arbitrary: fc.nat(40).map((i) => ({ deleteIndex: i })) },
);

const json = (value: unknown) => JSON.stringify(value);

/** JSON with object keys sorted and selectors as their canonical text: equal content, equal text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof (v as { matches?: unknown }).matches === 'function') return `selector ${String(v)}`;
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });

/** Every calculator holds what it would after a full build of the same resources. */
function expectCalculatorsAsBuilt(state: ClusterState): void {
  const fresh = ClusterState.from(state.resources()).dumpCalculators();
  const dump = state.dumpCalculators();
  expect(Object.keys(dump)).toEqual(Object.keys(fresh));
  for (const name of Object.keys(fresh)) expect(canonical(dump[name]), `calculator ${name}`).toBe(canonical(fresh[name]));
}

function flowsOf(state: ClusterState): FlowSpec[] {
  const peers = [...[...state.endpoints.values()].filter((e) => e.kind === 'workload').map((e) => e.id), '192.0.2.7', 'host:n1', 'fd00:99::2'];
  const flows: FlowSpec[] = [];
  for (const from of peers)
    for (const to of peers)
      if (from !== to)
        for (const [protocol, port] of [
          ['TCP', 80],
          ['TCP', 8080],
          ['UDP', 53],
        ] as const)
          flows.push({ from, to, protocol, port });
  return flows;
}

function outcome(state: ClusterState, flow: FlowSpec, explain: boolean): string {
  try {
    return json(evaluateFlow(state, flow, { explain }));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

function checkDiff(previous: NodeIR, diff: IrDiff, next: NodeIR): void {
  // Complete: the previous IR plus the diff is the new IR.
  expect(json(applyIrDiff(previous, diff))).toBe(json(next));
  // Minimal: nothing in it that did not change.
  const prevEndpoints = new Map(previous.endpoints.map((e) => [e.id, json(e)]));
  for (const e of diff.endpoints.upsert) expect(prevEndpoints.get(e.id)).not.toBe(json(e));
  for (const [part, record] of [
    [diff.chains, previous.chains],
    [diff.ipSets, previous.ipSets],
    [diff.tupleSets, previous.tupleSets],
  ] as const) {
    for (const item of part.upsert) expect(json((record as Record<string, unknown>)[item.id])).not.toBe(json(item));
    for (const id of part.remove) expect((record as Record<string, unknown>)[id]).toBeDefined();
  }
  // Member changes only for sets that stay, and only real ones.
  for (const change of diff.ipSets.members) {
    const members = previous.ipSets[change.id]!.members;
    expect(change.add.length + change.remove.length).toBeGreaterThan(0);
    for (const m of change.add) expect(members).not.toContain(m);
    for (const m of change.remove) expect(members).toContain(m);
  }
  for (const change of diff.tupleSets.members) {
    const members = previous.tupleSets[change.id]!.members.map(json);
    expect(change.add.length + change.remove.length).toBeGreaterThan(0);
    for (const m of change.add) expect(members).not.toContain(json(m));
    for (const m of change.remove) expect(members).toContain(json(m));
  }
  for (const id of diff.endpoints.remove) expect(prevEndpoints.has(id)).toBe(true);
}

describe('incremental compilation', () => {
  it('gives the same IR, verdicts and errors as a full build, with minimal diffs', () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 12 }), fc.array(change, { minLength: 1, maxLength: 25 }), (initial, changes) => {
        const state = ClusterState.from(initial.map(decoded));
        const compilers = NODES.map((node) => new NodeCompiler(state, node));
        // Evaluate once first so the evaluation caches exist and must be invalidated correctly.
        for (const flow of flowsOf(state).slice(0, 30)) outcome(state, flow, false);
        for (const step of changes) {
          let c: Change;
          if ('upsert' in step) c = { upsert: decoded(step.upsert) };
          else {
            const existing = state.resources();
            if (!existing.length) continue;
            const victim = existing[step.deleteIndex % existing.length]!;
            const [type, ...rest] = keyOf(victim).split('/');
            c = { delete: rest.length === 2 ? { type: type!, namespace: rest[0]!, name: rest[1]! } : { type: type!, name: rest[0]! } };
          }
          const before = compilers.map((compiler) => compiler.ir());
          const affected = state.apply(c);
          compilers.forEach((compiler, i) => checkDiff(before[i]!, compiler.update(affected), compiler.ir()));
          expectCalculatorsAsBuilt(state);
        }
        const fresh = ClusterState.from(state.resources());
        for (const compiler of compilers) expect(json(compiler.ir())).toBe(json(compileNode(fresh, compiler.node)));
        expect(json(state.errors)).toBe(json(fresh.errors));
        expect(json([...state.endpointByIp].sort())).toBe(json([...fresh.endpointByIp].sort()));
        for (const flow of flowsOf(fresh)) {
          const explained = outcome(state, flow, true);
          expect(explained).toBe(outcome(fresh, flow, true));
          // The candidate-bucketed fast path decides as the explaining walk does.
          const fast = outcome(state, flow, false);
          const strip = (text: string) => (text.startsWith('error') ? text : json(stripTraces(JSON.parse(text))));
          expect(strip(fast)).toBe(strip(explained));
        }
      }),
      { numRuns: 400 },
    );
  }, 600_000);

  it('reports a label change as the sets and endpoint chains it reaches, and nothing else', () => {
    const res = (raw: unknown) => decoded(raw);
    const state = ClusterState.from([
      res({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }),
      res({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
        spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
        status: { podIP: '10.99.0.1' },
      }),
      res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } }, spec: { nodeName: 'n1', containers: [{ name: 'c' }] }, status: { podIP: '10.99.0.2' } }),
      res({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'other', namespace: 'shop', labels: { app: 'other' } },
        spec: { nodeName: 'n2', containers: [{ name: 'c' }] },
        status: { podIP: '10.99.0.3' },
      }),
      res({
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name: 'db', namespace: 'shop' },
        spec: { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: "app == 'web'" } }] },
      }),
    ]);
    const compiler = new NodeCompiler(state, 'n1');
    const before = compiler.ir();
    // The pod on n2 becomes a web client: the db policy's source set gains its address; no chain or endpoint on n1 changes.
    const diff = compiler.update(
      state.apply({
        upsert: res({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'other', namespace: 'shop', labels: { app: 'web' } },
          spec: { nodeName: 'n2', containers: [{ name: 'c' }] },
          status: { podIP: '10.99.0.3' },
        }),
      }),
    );
    expect(diff.endpoints).toEqual({ upsert: [], remove: [] });
    expect(diff.chains).toEqual({ upsert: [], remove: [] });
    expect(diff.ipSets.remove).toEqual([]);
    expect(diff.ipSets.upsert).toEqual([]);
    const webSet = Object.values(before.ipSets).find((s) => s.family === 4 && s.source === '(app == "web" && projectcalico.org/namespace == "shop")')!;
    expect(diff.ipSets.members).toEqual([{ id: webSet.id, add: ['10.99.0.3/32'], remove: [] }]);
    expect(json(applyIrDiff(before, diff))).toBe(json(compiler.ir()));

    // The db pod stops being a db: its chains lose the policy, and the policy's chains (and the set only they used) go.
    const diff2 = compiler.update(
      state.apply({
        upsert: res({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'db', namespace: 'shop', labels: { app: 'cache' } },
          spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
          status: { podIP: '10.99.0.2' },
        }),
      }),
    );
    expect(diff2.endpoints.upsert.map((e) => e.id)).toEqual(['shop/db']);
    expect(diff2.endpoints.upsert[0]!.ingress.tiers).toEqual([]);
    expect(diff2.chains.remove).toHaveLength(1);
    expect(diff2.ipSets.remove).toHaveLength(2);
    expect(Object.keys(compiler.ir().ipSets)).toEqual([]);
  });
});

function stripTraces(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTraces);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'trace')
        .map(([k, v]) => [k, stripTraces(v)]),
    );
  return value;
}
