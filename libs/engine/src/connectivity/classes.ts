import { cidrContains, type ParsedCidr, type ParsedIp } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import type { CompiledEntity, CompiledRule, Endpoint } from '../snapshot/types.js';
import { compiledChainFor, type CompiledChain } from '../eval/chain.js';
import { ipSetOf } from '../eval/ipsets.js';
import type { Snapshot } from '../eval/snapshot.js';

/**
 * Workload endpoints grouped by everything a pod-to-pod verdict can depend on, so that one
 * evaluation per pair of classes answers for every pair of their members. Two endpoints share a
 * class when they have the same egress and ingress chains (the same policies apply, in the same
 * tiers), the same profiles and named ports, addresses of the same families, and their addresses
 * fall the same way into every address test any rule makes (nets, notNets, selector and
 * notSelector IP sets, service addresses). When a node has host endpoints, their stages and
 * whether both ends share a node change the answer too, so the node joins the key.
 */
export interface EndpointClasses {
  /** Workload endpoints with an address, sorted by id. */
  endpoints: Endpoint[];
  /** Class of each endpoint, by its index in `endpoints`. */
  classOf: Int32Array;
  /** Members (indexes into `endpoints`, ascending) of each class. */
  members: number[][];
  /** The address tests each endpoint passes, ascending: test index × 2, + 1 for its IPv6 address. */
  passed: number[][];
  /** Test index by the key `entityTests` gives. */
  testIndex: ReadonlyMap<string, number>;
}

/** One address test of a rule: true when the address is in it. */
type AddressTest = { kind: 'nets'; nets: ParsedCidr[] } | { kind: 'selector'; selector: Selector } | { kind: 'service'; namespace: string; name: string };

function* rulesOf(snapshot: Snapshot): Iterable<CompiledRule> {
  for (const policy of snapshot.policies) {
    yield* policy.ingress;
    yield* policy.egress;
  }
  for (const profile of snapshot.profiles.values()) {
    yield* profile.ingress;
    yield* profile.egress;
  }
}

/** The address tests an entity makes, each with a key: equal keys, the same test. */
export function entityTests(entity: CompiledEntity): [string, AddressTest][] {
  const tests: [string, AddressTest][] = [];
  for (const nets of [entity.nets, entity.notNets]) if (nets) tests.push([`n${nets.map((n) => n.text).join(',')}`, { kind: 'nets', nets }]);
  for (const selector of [entity.selector, entity.notSelector]) if (selector) tests.push([`s${selector.toString()}`, { kind: 'selector', selector }]);
  if (entity.services) tests.push([`v${entity.services.namespace}/${entity.services.name}`, { kind: 'service', ...entity.services }]);
  return tests;
}

/** Every distinct address test the snapshot's rules make, by key. */
function addressTests(snapshot: Snapshot): Map<string, AddressTest> {
  const tests = new Map<string, AddressTest>();
  for (const rule of rulesOf(snapshot)) for (const [key, test] of [...entityTests(rule.source), ...entityTests(rule.destination)]) tests.set(key, test);
  return tests;
}

/** The addresses a flow from or to the endpoint uses, as resolvePeer picks them: the first of each family. */
function addressesOf(endpoint: Endpoint): [ParsedIp | undefined, ParsedIp | undefined] {
  return [endpoint.ips.find((ip) => ip.family === 4), endpoint.ips.find((ip) => ip.family === 6)];
}

/** Whether any node has host endpoints, whose stages then lie on pod-to-pod paths too. */
export const hasHostEndpoints = (snapshot: Snapshot): boolean => [...snapshot.nodes.values()].some((n) => n.hostEndpoints.length > 0);

export function endpointClasses(snapshot: Snapshot): EndpointClasses {
  const endpoints = [...snapshot.endpoints.values()].filter((e) => e.kind === 'workload' && e.ips.length > 0).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const addresses = endpoints.map(addressesOf);
  // Address text → codes (endpoint index × 2 + 1 for IPv6) of the endpoints using it.
  const byText = new Map<string, number[]>();
  addresses.forEach((pair, i) =>
    pair.forEach((ip, family) => {
      if (!ip) return;
      const list = byText.get(ip.text);
      if (list) list.push(i * 2 + family);
      else byText.set(ip.text, [i * 2 + family]);
    }),
  );
  // The tests each endpoint's addresses pass, ascending (test index × 2 + 1 for IPv6).
  const passed: number[][] = endpoints.map(() => []);
  const mark = (code: number, test: number) => {
    const list = passed[code >> 1]!;
    const value = test * 2 + (code & 1);
    if (list[list.length - 1] !== value) list.push(value);
  };
  const markNets = (nets: readonly ParsedCidr[], test: number) => {
    addresses.forEach((pair, i) =>
      pair.forEach((ip, family) => {
        if (ip && nets.some((n) => cidrContains(n, ip))) mark(i * 2 + family, test);
      }),
    );
  };
  const tests = addressTests(snapshot);
  const testIndex = new Map([...tests.keys()].map((key, t) => [key, t]));
  [...tests.values()].forEach((test, t) => {
    if (test.kind === 'nets') return markNets(test.nets, t);
    if (test.kind === 'service') {
      const service = snapshot.services.get(`${test.namespace}/${test.name}`);
      for (const a of service?.addresses ?? []) for (const code of byText.get(a.text) ?? []) mark(code, t);
      return;
    }
    const set = ipSetOf(snapshot, test.selector);
    // Marked in endpoint order whatever the set's order, so each endpoint's list stays ascending.
    const codes: number[] = [];
    for (const text of set.ips) for (const code of byText.get(text) ?? []) codes.push(code);
    for (const code of codes.sort((a, b) => a - b)) mark(code, t);
    if (set.nets.length) markNets(set.nets, t);
  });

  // Endpoints with other labels that the same policies select share compiled tier groups: the
  // groups, not the chain object (one per label set), say which rules apply.
  const groupIds = new Map<object, number>();
  const chainId = (chain: CompiledChain) =>
    chain.groups
      .map((g) => {
        let id = groupIds.get(g);
        if (id === undefined) groupIds.set(g, (id = groupIds.size));
        return id;
      })
      .join('.');
  const hostEndpoints = hasHostEndpoints(snapshot);
  const classByKey = new Map<string, number>();
  const members: number[][] = [];
  const classOf = new Int32Array(endpoints.length);
  endpoints.forEach((e, i) => {
    const egress = chainId(compiledChainFor(snapshot, e, 'egress', 'normal', false));
    const ingress = chainId(compiledChainFor(snapshot, e, 'ingress', 'normal', false));
    const ports = e.ports
      .map((p) => `${p.name}/${p.protocol}/${p.port}`)
      .sort()
      .join(',');
    const [v4, v6] = addresses[i]!;
    const key = `${egress} ${ingress} ${v4 ? 4 : ''}${v6 ? 6 : ''} ${hostEndpoints ? (e.node ?? '') : ''}\u0000${e.profiles.join('\u0001')}\u0000${ports}\u0000${passed[i]!.join(',')}`;
    let c = classByKey.get(key);
    if (c === undefined) {
      classByKey.set(key, (c = members.length));
      members.push([]);
    }
    members[c]!.push(i);
    classOf[i] = c;
  });
  return { endpoints, classOf, members, passed, testIndex };
}
