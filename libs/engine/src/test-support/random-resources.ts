// Random resources of every kind the engine reads, for property tests: small pools of names,
// labels and addresses, so selections overlap, IPs clash and every rule field meets every other.
import fc from 'fast-check';
import { decodeResource, type Resource } from '../model/resources.js';
import { validateDecoded } from '../validate/resource.js';

export const NODES = ['n1', 'n2'];
export const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
export const APPS = ['web', 'db', 'cache'];
const POD_NAMES = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
// A small address pool, so IP clashes (and their resolution order) happen.
export const IPS = ['10.99.0.1', '10.99.0.2', '10.99.0.3', '10.99.0.4', '10.99.0.5', '10.99.0.6', '10.99.0.7', 'fd00:99::1', 'fd00:99::2'];

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

export const resource: fc.Arbitrary<unknown> = fc.oneof(
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

export function decoded(raw: unknown): Resource {
  const { resource: r, issues } = decodeResource(raw);
  if (!r || issues.length) throw new Error(`generator made an undecodable resource: ${JSON.stringify(issues)} ${JSON.stringify(raw)}`);
  const problems = validateDecoded(r);
  if (problems.length) throw new Error(`generator made an invalid resource: ${JSON.stringify(problems)} ${JSON.stringify(raw)}`);
  return r;
}
