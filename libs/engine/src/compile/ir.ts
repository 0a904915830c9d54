import { cidrContains, parseCidr, type ParsedCidr } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import type { CompiledEntity, CompiledRule, Endpoint, PolicyInfo, ProfileInfo, Snapshot } from '../snapshot/types.js';
import { chainFor, type Direction, type Stage } from '../eval/chain.js';
import { indexesOf } from '../index/snapshot-index.js';
import { sha256, toHex } from '../util/sha2.js';
import { utf8Bytes } from '../util/utf8.js';

// A dataplane-neutral form of one node's policy: what every local endpoint's chains contain, in
// evaluation order, with IP sets for selectors. Renderers (nftables) turn it into rules.

export type Family = 4 | 6;

export interface IpSetIR {
  id: string;
  family: Family;
  /** CIDRs (/32 or /128 for single addresses), sorted, none covered by another. */
  members: string[];
  /** What the set stands for: a selector's canonical form. */
  source: string;
}

export interface TupleSetIR {
  id: string;
  family: Family;
  /** address . protocol . port */
  members: { ip: string; protocol: number; port: number }[];
  source: string;
}

export interface MatchIR {
  nets?: string[];
  notNets?: string[];
  /** IP set ids, per family. */
  selector?: Partial<Record<Family, string>>;
  notSelector?: Partial<Record<Family, string>>;
  ports?: { min: number; max: number }[];
  notPorts?: { min: number; max: number }[];
  /** Named ports: (address, protocol, port) tuple sets of the endpoints that have them. */
  namedPorts?: Partial<Record<Family, string>>;
  notNamedPorts?: Partial<Record<Family, string>>;
  /** A service: its endpoints' (address, protocol, port) tuples. */
  service?: Partial<Record<Family, string>>;
  /** A service on the source side: its endpoints' addresses. */
  serviceAddresses?: Partial<Record<Family, string>>;
}

export interface RuleIR {
  index: number;
  action: 'Allow' | 'Deny' | 'Log' | 'Pass';
  ipVersion?: Family;
  protocol?: number;
  notProtocol?: number;
  icmp?: { type?: number; code?: number };
  notIcmp?: { type?: number; code?: number };
  src: MatchIR;
  dst: MatchIR;
}

/** One policy's rules for one direction, shared by every endpoint it applies to. */
export interface PolicyChainIR {
  id: string;
  /** The policy (PolicyInfo id) or profile ("profile/<name>") the rules come from. */
  owner: string;
  tier?: string;
  direction: Direction;
  /** Which stage the policy acts in: an Allow in an untracked or pre-DNAT policy means something else. */
  stage: 'normal' | 'untracked' | 'preDNAT';
  rules: RuleIR[];
  /** Log prefix naming the policy (nftables caps prefixes at 127 characters). */
  logPrefix: string;
}

export interface TierIR {
  tier: string;
  defaultAction: 'Deny' | 'Pass';
  policies: string[];
}

export interface StageIR {
  tiers: TierIR[];
}

export interface EndpointIR {
  id: string;
  kind: 'workload' | 'host';
  /** Interface the endpoint's traffic crosses on this node ("*" for every host interface). */
  interface: string;
  ips: string[];
  ingress: StageIR;
  egress: StageIR;
  profiles: string[];
  /** Host endpoints: applyOnForward, untracked and pre-DNAT stages. */
  forward?: { ingress: StageIR; egress: StageIR };
  untracked?: { ingress: StageIR; egress: StageIR };
  preDNAT?: { ingress: StageIR };
}

export interface NodeIR {
  node: string;
  endpoints: EndpointIR[];
  chains: Record<string, PolicyChainIR>;
  ipSets: Record<string, IpSetIR>;
  tupleSets: Record<string, TupleSetIR>;
  felix: {
    failsafeInbound: { protocol: number; port: number; net?: string }[];
    failsafeOutbound: { protocol: number; port: number; net?: string }[];
    defaultEndpointToHostAction: 'Drop' | 'Accept' | 'Return';
  };
}

export const shortHash = (text: string, length = 10): string => toHex(sha256(utf8Bytes(text))).slice(0, length);

/** The interface name of a workload when the snapshot does not give one: "pal" + a hash of the endpoint id. */
export function workloadInterface(endpoint: Endpoint): string {
  return endpoint.interfaceName ?? `pal${shortHash(endpoint.id, 11)}`;
}

/** Sorted CIDRs with every member covered by another removed (nftables interval sets refuse overlaps). */
export function normalizeCidrs(cidrs: ParsedCidr[]): string[] {
  const sorted = [...new Map(cidrs.map((c) => [c.text, c])).values()].sort((a, b) => a.prefixLength - b.prefixLength || (a.text < b.text ? -1 : 1));
  const kept: ParsedCidr[] = [];
  for (const c of sorted) if (!kept.some((k) => k.family === c.family && k.prefixLength <= c.prefixLength && cidrContains(k, c.network))) kept.push(c);
  return kept.map((c) => c.text).sort();
}

class Builder {
  readonly chains: Record<string, PolicyChainIR> = {};
  readonly ipSets: Record<string, IpSetIR> = {};
  readonly tupleSets: Record<string, TupleSetIR> = {};
  constructor(readonly snapshot: Snapshot) {}

  selectorSet(selector: Selector): Partial<Record<Family, string>> {
    const source = selector.toString();
    const out: Partial<Record<Family, string>> = {};
    const members: ParsedCidr[] = [];
    for (const member of indexesOf(this.snapshot).members.matching(selector).values()) {
      if (member.kind === 'endpoint') for (const ip of member.endpoint.ips) members.push(parseCidr(ip.text, { allowBareIp: true })!);
      else members.push(...member.set.nets);
    }
    for (const family of [4, 6] as const) {
      const id = `s${family}-${shortHash(source)}`;
      out[family] = id;
      this.ipSets[id] ??= { id, family, members: normalizeCidrs(members.filter((m) => m.family === family)), source };
    }
    return out;
  }

  tupleSet(kind: string, source: string, members: { ip: { text: string; family: Family }; protocol: number; port: number }[]): Partial<Record<Family, string>> {
    const out: Partial<Record<Family, string>> = {};
    for (const family of [4, 6] as const) {
      const id = `${kind}${family}-${shortHash(source)}`;
      out[family] = id;
      const list = members.filter((m) => m.ip.family === family).map((m) => ({ ip: m.ip.text, protocol: m.protocol, port: m.port }));
      const unique = [...new Map(list.map((m) => [`${m.ip}.${m.protocol}.${m.port}`, m])).values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.protocol - b.protocol || a.port - b.port));
      this.tupleSets[id] ??= { id, family, members: unique, source };
    }
    return out;
  }

  /** Named ports resolve on the endpoints that have them (restricted to the side's selector, as Calico's named-port IP sets are). */
  namedPortSet(names: string[], protocol: number | undefined, selector: Selector | undefined): Partial<Record<Family, string>> {
    const members: { ip: { text: string; family: Family }; protocol: number; port: number }[] = [];
    const endpoints = selector
      ? [...indexesOf(this.snapshot).members.matching(selector).values()].flatMap((m) => (m.kind === 'endpoint' ? [m.endpoint] : []))
      : [...this.snapshot.endpoints.values()];
    for (const endpoint of endpoints) {
      for (const port of endpoint.ports) {
        if (!names.includes(port.name) || (protocol !== undefined && port.protocol !== protocol)) continue;
        for (const ip of endpoint.ips) members.push({ ip, protocol: port.protocol, port: port.port });
      }
    }
    return this.tupleSet('n', `${names.join(',')}|${protocol ?? ''}|${selector?.toString() ?? '*'}`, members);
  }

  match(entity: CompiledEntity, protocol: number | undefined, side: 'source' | 'destination'): MatchIR {
    const out: MatchIR = {};
    if (entity.nets) out.nets = normalizeCidrs(entity.nets);
    if (entity.notNets) out.notNets = normalizeCidrs(entity.notNets);
    if (entity.selector) out.selector = this.selectorSet(entity.selector);
    if (entity.notSelector) out.notSelector = this.selectorSet(entity.notSelector);
    const split = (list: CompiledEntity['ports']) => ({
      numbers: (list ?? []).filter((p): p is { min: number; max: number } => 'min' in p),
      names: (list ?? []).filter((p): p is { name: string } => 'name' in p).map((p) => p.name),
    });
    const ports = split(entity.ports);
    const notPorts = split(entity.notPorts);
    if (ports.numbers.length) out.ports = ports.numbers;
    if (ports.names.length) out.namedPorts = this.namedPortSet(ports.names, protocol, entity.selector);
    if (notPorts.numbers.length) out.notPorts = notPorts.numbers;
    if (notPorts.names.length) out.notNamedPorts = this.namedPortSet(notPorts.names, protocol, entity.selector);
    if (entity.services) {
      const service = this.snapshot.services.get(`${entity.services.namespace}/${entity.services.name}`);
      const key = `${entity.services.namespace}/${entity.services.name}`;
      if (side === 'destination') {
        const members = (service?.addresses ?? []).flatMap((ip) => (service?.ports ?? []).map((p) => ({ ip, protocol: p.protocol, port: p.port })));
        out.service = this.tupleSet('v', key, members);
      } else {
        const members = (service?.addresses ?? []).map((ip) => parseCidr(ip.text, { allowBareIp: true })!);
        out.serviceAddresses = {};
        for (const family of [4, 6] as const) {
          const id = `a${family}-${shortHash(key)}`;
          out.serviceAddresses[family] = id;
          this.ipSets[id] ??= { id, family, members: normalizeCidrs(members.filter((m) => m.family === family)), source: `service ${key}` };
        }
      }
    }
    return out;
  }

  rule(rule: CompiledRule): RuleIR {
    return {
      index: rule.index,
      action: rule.action,
      ...(rule.ipVersion !== undefined ? { ipVersion: rule.ipVersion } : {}),
      ...(rule.protocol !== undefined ? { protocol: rule.protocol } : {}),
      ...(rule.notProtocol !== undefined ? { notProtocol: rule.notProtocol } : {}),
      ...(rule.icmp ? { icmp: rule.icmp } : {}),
      ...(rule.notIcmp ? { notIcmp: rule.notIcmp } : {}),
      src: this.match(rule.source, rule.protocol, 'source'),
      dst: this.match(rule.destination, rule.protocol, 'destination'),
    };
  }

  policyChain(policy: PolicyInfo, direction: Direction): string {
    const id = `p${direction === 'ingress' ? 'i' : 'e'}-${shortHash(policy.id)}`;
    if (!this.chains[id]) {
      const label = `${policy.tier}/${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
      this.chains[id] = {
        id,
        owner: policy.id,
        tier: policy.tier,
        direction,
        stage: policy.doNotTrack ? 'untracked' : policy.preDNAT ? 'preDNAT' : 'normal',
        rules: (direction === 'ingress' ? policy.ingress : policy.egress).map((r) => this.rule(r)),
        logPrefix: `calico-packet: ${label} `.slice(0, 120),
      };
    }
    return id;
  }

  profileChain(profile: ProfileInfo, direction: Direction): string {
    const id = `r${direction === 'ingress' ? 'i' : 'e'}-${shortHash(profile.name)}`;
    this.chains[id] ??= { id, owner: `profile/${profile.name}`, direction, stage: 'normal', rules: (direction === 'ingress' ? profile.ingress : profile.egress).map((r) => this.rule(r)), logPrefix: `calico-packet: profile/${profile.name} `.slice(0, 120) };
    return id;
  }

  stage(endpoint: Endpoint, direction: Direction, stage: Stage): StageIR {
    return {
      tiers: chainFor(this.snapshot, endpoint, direction, stage, false).map((group) => ({
        tier: group.tier.name,
        defaultAction: group.tier.defaultAction,
        policies: group.policies.map((p) => this.policyChain(p, direction)),
      })),
    };
  }

  endpoint(endpoint: Endpoint): EndpointIR {
    const profiles = endpoint.profiles.map((name) => this.snapshot.profiles.get(name)).filter((p): p is ProfileInfo => p !== undefined);
    for (const p of profiles) {
      this.profileChain(p, 'ingress');
      this.profileChain(p, 'egress');
    }
    const base: EndpointIR = {
      id: endpoint.id,
      kind: endpoint.kind,
      interface: endpoint.kind === 'workload' ? workloadInterface(endpoint) : (endpoint.interfaceName ?? '*'),
      ips: endpoint.ips.map((ip) => ip.text),
      ingress: this.stage(endpoint, 'ingress', 'normal'),
      egress: this.stage(endpoint, 'egress', 'normal'),
      profiles: profiles.map((p) => p.name),
    };
    if (endpoint.kind === 'host') {
      base.forward = { ingress: this.stage(endpoint, 'ingress', 'forward'), egress: this.stage(endpoint, 'egress', 'forward') };
      base.untracked = { ingress: this.stage(endpoint, 'ingress', 'doNotTrack'), egress: this.stage(endpoint, 'egress', 'doNotTrack') };
      base.preDNAT = { ingress: this.stage(endpoint, 'ingress', 'preDNAT') };
    }
    return base;
  }
}

/** The endpoints whose policy a node enforces: its workloads and its host endpoints. */
export function localEndpoints(snapshot: Snapshot, node: string): Endpoint[] {
  return [...snapshot.endpoints.values()].filter((e) => e.node === node).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Compiles one node's policy: a chain per local endpoint, direction and stage, in Calico's order,
 * referring to shared per-policy chains and to IP sets built from the selectors they use.
 */
export function compileNode(snapshot: Snapshot, node: string): NodeIR {
  const builder = new Builder(snapshot);
  const endpoints = localEndpoints(snapshot, node).map((e) => builder.endpoint(e));
  const felix = snapshot.felix(node);
  const sortRecord = <T>(record: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    node,
    endpoints,
    chains: sortRecord(builder.chains),
    ipSets: sortRecord(builder.ipSets),
    tupleSets: sortRecord(builder.tupleSets),
    felix: {
      failsafeInbound: felix.failsafeInbound.map((f) => ({ protocol: f.protocol, port: f.port, ...(f.net ? { net: f.net.text } : {}) })),
      failsafeOutbound: felix.failsafeOutbound.map((f) => ({ protocol: f.protocol, port: f.port, ...(f.net ? { net: f.net.text } : {}) })),
      defaultEndpointToHostAction: felix.defaultEndpointToHostAction,
    },
  };
}
