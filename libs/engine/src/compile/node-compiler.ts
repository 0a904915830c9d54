import { hostCidr, type ParsedCidr } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import { SelectorIndex } from '../index/label-index.js';
import { indexesOf, type Member } from '../index/snapshot-index.js';
import { chainFor, type Direction, type Stage } from '../eval/chain.js';
import type { Affected } from '../snapshot/state.js';
import type { CompiledEntity, CompiledRule, Endpoint, PolicyInfo, ProfileInfo, Snapshot } from '../snapshot/types.js';
import { CidrSet, compareTuples, TupleSet, tupleKey, type MemberChanges, type Tuple } from './member-sets.js';
import { localEndpoints, normalizeCidrs, shortHash, workloadInterface, type EndpointIR, type Family, type IpSetIR, type MatchIR, type NodeIR, type PolicyChainIR, type RuleIR, type StageIR, type TupleSetIR } from './ir.js';

/**
 * What changed in a node's IR: whole objects to write and ids to delete, per kind, and for sets
 * that stay, the members that joined and left (what `nft add element` / `delete element` take).
 */
export interface IrDiff {
  node: string;
  endpoints: { upsert: EndpointIR[]; remove: string[] };
  chains: { upsert: PolicyChainIR[]; remove: string[] };
  ipSets: { upsert: IpSetIR[]; remove: string[]; members: ({ id: string } & MemberChanges<string>)[] };
  tupleSets: { upsert: TupleSetIR[]; remove: string[]; members: ({ id: string } & MemberChanges<Tuple>)[] };
  /** Present when the node's Felix settings changed. */
  felix?: NodeIR['felix'];
}

type SetEntry = {
  id: string;
  family: Family;
  source: string;
  /** Chains that use the set. */
  refs: number;
} & (
  | { kind: 'ipSets'; members: CidrSet; contribute: (m: Member) => ParsedCidr[]; recompute: () => ParsedCidr[] }
  | { kind: 'tupleSets'; members: TupleSet; contribute: (m: Member) => Tuple[]; recompute: () => Tuple[] }
);

function setIR(entry: SetEntry): IpSetIR | TupleSetIR {
  return entry.kind === 'ipSets'
    ? { id: entry.id, family: entry.family, members: entry.members.members(), source: entry.source }
    : { id: entry.id, family: entry.family, members: entry.members.members(), source: entry.source };
}

interface ChainEntry {
  ir: PolicyChainIR;
  /** Endpoints whose stages jump to the chain. */
  refs: number;
  sets: string[];
}

interface EndpointEntry {
  ir: EndpointIR;
  chains: string[];
}

/** Why a set's members may change: a selector over members, every endpoint's named ports, or a service. */
type SetTrigger = { selector: Selector } | { everyEndpoint: true } | { service: string };

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortRecord = <T>(entries: Iterable<[string, T]>): Record<string, T> => Object.fromEntries([...entries].sort(([a], [b]) => byId(a, b)));

/**
 * One node's compiled policy, kept up to date change by change. Chains are shared by every local
 * endpoint a policy applies to and sets by every chain that names them, with reference counts, so
 * an update rebuilds only the endpoints, chains and sets a change reaches (found through the label
 * indexes) and reports exactly the objects whose content changed. `compileNode` is a compiler that
 * never receives an update, so a full build and a sequence of updates run the same code.
 */
export class NodeCompiler {
  private endpoints = new Map<string, EndpointEntry>();
  private chains = new Map<string, ChainEntry>();
  private sets = new Map<string, SetEntry>();
  /** Sets whose members follow labels, by id. */
  private setSelectors = new SelectorIndex<string>();
  private everyEndpointSets = new Set<string>();
  private serviceSets = new Map<string, Set<string>>();
  private felix: NodeIR['felix'];
  /** Collects the sets a chain (or the chains an endpoint) refers to while it is built. */
  private collecting: Set<string> | undefined;
  /** During an update: records what objects were before they change. */
  private tracker: Tracker | undefined;
  /** Chain ids of the shared tier groups seen (groups are immutable: a changed policy makes new groups). */
  private readonly groupChainIds = new WeakMap<object, string[]>();

  constructor(
    private readonly snapshot: Snapshot,
    readonly node: string,
  ) {
    this.felix = this.felixIR();
    for (const endpoint of localEndpoints(snapshot, node)) this.addEndpoint(endpoint);
  }

  /** The whole IR, with objects sorted by id. */
  ir(): NodeIR {
    return {
      node: this.node,
      endpoints: [...this.endpoints.values()].map((e) => e.ir).sort((a, b) => byId(a.id, b.id)),
      chains: sortRecord([...this.chains].map(([id, c]) => [id, c.ir])),
      ipSets: sortRecord([...this.sets].filter(([, s]) => s.kind === 'ipSets').map(([id, s]) => [id, setIR(s) as IpSetIR])),
      tupleSets: sortRecord([...this.sets].filter(([, s]) => s.kind === 'tupleSets').map(([id, s]) => [id, setIR(s) as TupleSetIR])),
      felix: this.felix,
    };
  }

  /**
   * Brings the IR up to date with a change the snapshot (a ClusterState) has applied, and returns
   * what changed. A change to something node-wide (tiers, Felix settings) rebuilds everything and
   * still reports only what differs.
   */
  update(affected: Affected): IrDiff {
    if (affected.all) {
      const previous = this.ir();
      const fresh = new NodeCompiler(this.snapshot, this.node);
      this.endpoints = fresh.endpoints;
      this.chains = fresh.chains;
      this.sets = fresh.sets;
      this.setSelectors = fresh.setSelectors;
      this.everyEndpointSets = fresh.everyEndpointSets;
      this.serviceSets = fresh.serviceSets;
      this.felix = fresh.felix;
      return diffIr(previous, this.ir());
    }
    const before = new Tracker(this);
    this.tracker = before;
    try {
      this.applyIncrementally(affected, before);
    } finally {
      this.tracker = undefined;
    }
    return before.diff(this);
  }

  private applyIncrementally(affected: Affected, before: Tracker): void {

    // Members that left or joined: the sets whose selector matches them lose or gain their
    // addresses (every set here predates the update; sets made below start from the current state).
    for (const { sign, member } of affected.members) {
      const labels = member.kind === 'endpoint' ? member.endpoint.labels : member.set.labels;
      const ids = [...this.setSelectors.matching(labels).keys()];
      if (member.kind === 'endpoint') ids.push(...this.everyEndpointSets);
      for (const id of ids) {
        const entry = this.sets.get(id)!;
        before.dirty(id);
        if (entry.kind === 'ipSets') for (const c of entry.contribute(member)) entry.members[sign > 0 ? 'add' : 'delete'](c);
        else for (const t of entry.contribute(member)) entry.members[sign > 0 ? 'add' : 'delete'](t);
      }
    }
    for (const service of affected.services) {
      for (const id of this.serviceSets.get(service) ?? []) {
        const entry = this.sets.get(id)!;
        before.dirty(id);
        if (entry.kind === 'ipSets') entry.members.reset(entry.recompute());
        else entry.members.reset(entry.recompute());
      }
    }

    // Chains whose policy or profile changed (or went: their endpoints drop them below).
    for (const policyId of affected.policies) {
      const rank = indexesOf(this.snapshot).rank.get(policyId);
      const policy = rank === undefined ? undefined : this.snapshot.policies[rank];
      if (!policy) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        const id = policyChainId(policy.id, direction);
        if (this.chains.has(id)) this.rebuildChain(before, id, () => this.policyChainIR(policy, direction));
      }
    }
    for (const name of affected.profiles) {
      const profile = this.snapshot.profiles.get(name);
      if (!profile) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        const id = profileChainId(name, direction);
        if (this.chains.has(id)) this.rebuildChain(before, id, () => this.profileChainIR(profile, direction));
      }
    }

    // Endpoints whose own data or applicable policies changed.
    for (const id of affected.endpoints) {
      const endpoint = this.snapshot.endpoints.get(id);
      const had = this.endpoints.get(id);
      if (!had && endpoint?.node !== this.node) continue;
      before.touch('endpoints', id);
      if (endpoint?.node === this.node) this.addEndpoint(endpoint);
      if (had) this.release('endpoints', had.chains, before);
      if (endpoint?.node !== this.node) this.endpoints.delete(id);
    }

    this.collectGarbage(before);
  }

  // --- building -------------------------------------------------------------------------------

  private addEndpoint(endpoint: Endpoint): void {
    const chains = new Set<string>();
    const ir = this.collect(chains, () => this.endpointIR(endpoint));
    for (const id of chains) this.chains.get(id)!.refs++;
    this.endpoints.set(endpoint.id, { ir, chains: [...chains] });
  }

  private rebuildChain(tracker: Tracker, id: string, build: () => PolicyChainIR): void {
    const entry = this.chains.get(id)!;
    tracker.touch('chains', id);
    const sets = new Set<string>();
    entry.ir = this.collect(sets, build);
    for (const set of sets) this.sets.get(set)!.refs++;
    this.release('chains', entry.sets, tracker);
    entry.sets = [...sets];
  }

  /** Drops one reference from each of these chains (or sets); what nothing refers to goes later. */
  private release(kind: 'endpoints' | 'chains', ids: string[], tracker: Tracker): void {
    for (const id of ids) {
      const entry = kind === 'endpoints' ? this.chains.get(id)! : this.sets.get(id)!;
      entry.refs--;
      if (entry.refs === 0) tracker.orphan(kind === 'endpoints' ? 'chains' : 'ipSets', id);
    }
  }

  private collectGarbage(tracker: Tracker): void {
    for (const id of tracker.orphanedChains) {
      const chain = this.chains.get(id);
      if (!chain || chain.refs > 0) continue;
      tracker.touch('chains', id);
      this.chains.delete(id);
      this.release('chains', chain.sets, tracker);
    }
    for (const id of tracker.orphanedSets) {
      const set = this.sets.get(id);
      if (!set || set.refs > 0) continue;
      tracker.removedSet(set);
      this.sets.delete(id);
      this.setSelectors.delete(id);
      this.everyEndpointSets.delete(id);
      for (const ids of this.serviceSets.values()) ids.delete(id);
    }
  }

  private collect<T>(into: Set<string>, build: () => T): T {
    const outer = this.collecting;
    this.collecting = into;
    try {
      return build();
    } finally {
      this.collecting = outer;
    }
  }

  private useChain(id: string, build: () => PolicyChainIR): string {
    if (!this.chains.has(id)) {
      this.tracker?.created('chains', id);
      const sets = new Set<string>();
      const ir = this.collect(sets, build);
      for (const set of sets) this.sets.get(set)!.refs++;
      this.chains.set(id, { ir, refs: 0, sets: [...sets] });
      // Unreferenced until the endpoint being built takes it; collected if nothing does.
      this.tracker?.orphan('chains', id);
    }
    this.collecting?.add(id);
    return id;
  }

  /** Takes a set, or makes it from the current state and registers it under what changes its members. */
  private useSet(id: string, trigger: SetTrigger, make: () => SetEntry): string {
    if (!this.sets.has(id)) {
      this.tracker?.createdSet(id);
      this.sets.set(id, make());
      if ('selector' in trigger) this.setSelectors.set(id, id, trigger.selector);
      else if ('everyEndpoint' in trigger) this.everyEndpointSets.add(id);
      else {
        let ids = this.serviceSets.get(trigger.service);
        if (!ids) this.serviceSets.set(trigger.service, (ids = new Set()));
        ids.add(id);
      }
    }
    this.collecting?.add(id);
    return id;
  }

  private felixIR(): NodeIR['felix'] {
    const felix = this.snapshot.felix(this.node);
    return {
      failsafeInbound: felix.failsafeInbound.map((f) => ({ protocol: f.protocol, port: f.port, ...(f.net ? { net: f.net.text } : {}) })),
      failsafeOutbound: felix.failsafeOutbound.map((f) => ({ protocol: f.protocol, port: f.port, ...(f.net ? { net: f.net.text } : {}) })),
      defaultEndpointToHostAction: felix.defaultEndpointToHostAction,
    };
  }

  // --- IR of one object -----------------------------------------------------------------------

  private perFamily(prefix: string, build: (family: Family, id: string) => string): Partial<Record<Family, string>> {
    return { 4: build(4, `${prefix}4-`), 6: build(6, `${prefix}6-`) };
  }

  private endpointsOf(selector: Selector | undefined): Iterable<Endpoint> {
    if (!selector) return this.snapshot.endpoints.values();
    return [...indexesOf(this.snapshot).members.matching(selector).values()].flatMap((m) => (m.kind === 'endpoint' ? [m.endpoint] : []));
  }

  /** A selector's addresses: its endpoints' IPs and its network sets' nets. */
  private selectorSet(selector: Selector): Partial<Record<Family, string>> {
    const source = selector.toString();
    const hash = shortHash(source);
    // Both families' sets are made from one lookup of the selector's members.
    let matched: Member[] | undefined;
    const members = () => (matched ??= [...indexesOf(this.snapshot).members.matching(selector).values()]);
    return this.perFamily('s', (family, prefix) => {
      const contribute = (m: Member): ParsedCidr[] =>
        m.kind === 'endpoint' ? m.endpoint.ips.filter((ip) => ip.family === family).map(hostCidr) : m.set.nets.filter((n) => n.family === family);
      const recompute = () => [...indexesOf(this.snapshot).members.matching(selector).values()].flatMap(contribute);
      return this.useSet(`${prefix}${hash}`, { selector }, () => ({ kind: 'ipSets', id: `${prefix}${hash}`, family, source, refs: 0, members: CidrSet.of(members().flatMap(contribute)), contribute, recompute }));
    });
  }

  private tupleSet(kind: string, source: string, trigger: SetTrigger, contribute: (family: Family, m: Member) => Tuple[], recompute: (family: Family) => Tuple[]): Partial<Record<Family, string>> {
    const hash = shortHash(source);
    return this.perFamily(kind, (family, prefix) =>
      this.useSet(`${prefix}${hash}`, trigger, () => ({
        kind: 'tupleSets',
        id: `${prefix}${hash}`,
        family,
        source,
        refs: 0,
        members: TupleSet.of(recompute(family)),
        contribute: (m) => contribute(family, m),
        recompute: () => recompute(family),
      })),
    );
  }

  /** Named ports resolve on the endpoints that have them (restricted to the side's selector, as Calico's named-port IP sets are). */
  private namedPortSet(names: string[], protocol: number | undefined, selector: Selector | undefined): Partial<Record<Family, string>> {
    const source = `${names.join(',')}|${protocol ?? ''}|${selector?.toString() ?? '*'}`;
    const tuples = (family: Family, endpoint: Endpoint): Tuple[] => {
      const out: Tuple[] = [];
      for (const port of endpoint.ports) {
        if (!names.includes(port.name) || (protocol !== undefined && port.protocol !== protocol)) continue;
        for (const ip of endpoint.ips) if (ip.family === family) out.push({ ip: ip.text, protocol: port.protocol, port: port.port });
      }
      return out;
    };
    return this.tupleSet(
      'n',
      source,
      selector ? { selector } : { everyEndpoint: true },
      (family, m) => (m.kind === 'endpoint' ? tuples(family, m.endpoint) : []),
      (family) => [...this.endpointsOf(selector)].flatMap((e) => tuples(family, e)),
    );
  }

  private serviceMatch(key: string, side: 'source' | 'destination'): Pick<MatchIR, 'service' | 'serviceAddresses'> {
    const addresses = (family: Family) => (this.snapshot.services.get(key)?.addresses ?? []).filter((ip) => ip.family === family);
    if (side === 'destination') {
      const ports = () => this.snapshot.services.get(key)?.ports ?? [];
      return { service: this.tupleSet('v', key, { service: key }, () => [], (family) => addresses(family).flatMap((ip) => ports().map((p) => ({ ip: ip.text, protocol: p.protocol, port: p.port })))) };
    }
    const hash = shortHash(key);
    const source = `service ${key}`;
    return {
      serviceAddresses: this.perFamily('a', (family, prefix) => {
        const recompute = () => addresses(family).map(hostCidr);
        return this.useSet(`${prefix}${hash}`, { service: key }, () => ({ kind: 'ipSets', id: `${prefix}${hash}`, family, source, refs: 0, members: CidrSet.of(recompute()), contribute: () => [], recompute }));
      }),
    };
  }

  private match(entity: CompiledEntity, protocol: number | undefined, side: 'source' | 'destination'): MatchIR {
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
    if (entity.services) Object.assign(out, this.serviceMatch(`${entity.services.namespace}/${entity.services.name}`, side));
    return out;
  }

  private rule(rule: CompiledRule): RuleIR {
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

  private policyChainIR(policy: PolicyInfo, direction: Direction): PolicyChainIR {
    const label = `${policy.tier}/${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
    return {
      id: policyChainId(policy.id, direction),
      owner: policy.id,
      tier: policy.tier,
      direction,
      stage: policy.doNotTrack ? 'untracked' : policy.preDNAT ? 'preDNAT' : 'normal',
      rules: (direction === 'ingress' ? policy.ingress : policy.egress).map((r) => this.rule(r)),
      logPrefix: `calico-packet: ${label} `.slice(0, 120),
    };
  }

  private profileChainIR(profile: ProfileInfo, direction: Direction): PolicyChainIR {
    return {
      id: profileChainId(profile.name, direction),
      owner: `profile/${profile.name}`,
      direction,
      stage: 'normal',
      rules: (direction === 'ingress' ? profile.ingress : profile.egress).map((r) => this.rule(r)),
      logPrefix: `calico-packet: profile/${profile.name} `.slice(0, 120),
    };
  }

  /** The chains of a shared tier group (a thousand platform policies): made once, then only referenced. */
  private groupChains(group: { policies: PolicyInfo[] }, direction: Direction): string[] {
    let ids = this.groupChainIds.get(group);
    if (!ids) {
      ids = group.policies.map((p) => policyChainId(p.id, direction));
      this.groupChainIds.set(group, ids);
    }
    const policies = group.policies;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.chains.has(id)) this.collecting?.add(id);
      else this.useChain(id, () => this.policyChainIR(policies[i]!, direction));
    }
    return ids;
  }

  private stage(endpoint: Endpoint, direction: Direction, stage: Stage): StageIR {
    return {
      tiers: chainFor(this.snapshot, endpoint, direction, stage, false).map((group) => ({
        tier: group.tier.name,
        defaultAction: group.tier.defaultAction,
        policies: this.groupChains(group, direction),
      })),
    };
  }

  private endpointIR(endpoint: Endpoint): EndpointIR {
    const profiles = endpoint.profiles.map((name) => this.snapshot.profiles.get(name)).filter((p): p is ProfileInfo => p !== undefined);
    for (const p of profiles) for (const direction of ['ingress', 'egress'] as const) this.useChain(profileChainId(p.name, direction), () => this.profileChainIR(p, direction));
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

  /** @internal for Tracker */
  current(kind: 'endpoints' | 'chains', id: string): EndpointIR | PolicyChainIR | undefined {
    return kind === 'endpoints' ? this.endpoints.get(id)?.ir : this.chains.get(id)?.ir;
  }

  /** @internal for Tracker */
  set(id: string): SetEntry | undefined {
    return this.sets.get(id);
  }
}

/**
 * Remembers what endpoints and chains looked like before an update (as JSON, taken on first
 * touch), which sets were made, emptied of references or had members change, then reports the
 * objects whose content differs afterwards.
 */
class Tracker {
  private readonly before = new Map<string, { kind: 'endpoints' | 'chains'; id: string; json: string | undefined }>();
  private readonly createdSets = new Set<string>();
  private readonly dirtySets = new Set<string>();
  private readonly removedSets: { kind: 'ipSets' | 'tupleSets'; id: string }[] = [];
  readonly orphanedChains: string[] = [];
  readonly orphanedSets: string[] = [];

  constructor(private readonly compiler: NodeCompiler) {}

  touch(kind: 'endpoints' | 'chains', id: string): void {
    const key = `${kind}\u0000${id}`;
    if (this.before.has(key)) return;
    const current = this.compiler.current(kind, id);
    this.before.set(key, { kind, id, json: current ? JSON.stringify(current) : undefined });
  }

  /** An endpoint or chain that did not exist before the update. */
  created(kind: 'endpoints' | 'chains', id: string): void {
    const key = `${kind}\u0000${id}`;
    if (!this.before.has(key)) this.before.set(key, { kind, id, json: undefined });
  }

  createdSet(id: string): void {
    this.createdSets.add(id);
  }

  dirty(id: string): void {
    this.dirtySets.add(id);
  }

  removedSet(entry: SetEntry): void {
    if (this.createdSets.delete(entry.id)) return; // made and dropped in one update: never seen
    this.dirtySets.delete(entry.id);
    this.removedSets.push({ kind: entry.kind, id: entry.id });
  }

  orphan(kind: 'chains' | 'ipSets', id: string): void {
    (kind === 'chains' ? this.orphanedChains : this.orphanedSets).push(id);
  }

  diff(compiler: NodeCompiler): IrDiff {
    const diff = emptyDiff(compiler.node);
    for (const { kind, id, json } of this.before.values()) {
      const now = compiler.current(kind, id);
      if (!now) {
        if (json !== undefined) diff[kind].remove.push(id);
      } else if (JSON.stringify(now) !== json) (diff[kind].upsert as (typeof now)[]).push(now);
    }
    for (const { kind, id } of this.removedSets) diff[kind].remove.push(id);
    for (const id of this.createdSets) {
      const entry = compiler.set(id)!;
      entry.members.takeChanges();
      if (entry.kind === 'ipSets') diff.ipSets.upsert.push(setIR(entry) as IpSetIR);
      else diff.tupleSets.upsert.push(setIR(entry) as TupleSetIR);
    }
    for (const id of this.dirtySets) {
      if (this.createdSets.has(id)) continue;
      const entry = compiler.set(id)!;
      if (entry.kind === 'ipSets') {
        const changes = entry.members.takeChanges();
        if (changes.add.length || changes.remove.length) diff.ipSets.members.push({ id, ...changes });
      } else {
        const changes = entry.members.takeChanges();
        if (changes.add.length || changes.remove.length) diff.tupleSets.members.push({ id, ...changes });
      }
    }
    return sortDiff(diff);
  }
}

function emptyDiff(node: string): IrDiff {
  return { node, endpoints: { upsert: [], remove: [] }, chains: { upsert: [], remove: [] }, ipSets: { upsert: [], remove: [], members: [] }, tupleSets: { upsert: [], remove: [], members: [] } };
}

function sortDiff(diff: IrDiff): IrDiff {
  for (const part of [diff.endpoints, diff.chains, diff.ipSets, diff.tupleSets]) {
    (part.upsert as { id: string }[]).sort((a, b) => byId(a.id, b.id));
    part.remove.sort(byId);
  }
  diff.ipSets.members.sort((a, b) => byId(a.id, b.id));
  diff.tupleSets.members.sort((a, b) => byId(a.id, b.id));
  return diff;
}

/** The difference between two IRs of a node, as whole objects (what a full rebuild reports). */
export function diffIr(previous: NodeIR, next: NodeIR): IrDiff {
  const diff = emptyDiff(next.node);
  const compare = <T extends { id: string }>(a: Record<string, T>, b: Record<string, T>, part: { upsert: T[]; remove: string[] }) => {
    for (const id of Object.keys(a)) if (!(id in b)) part.remove.push(id);
    for (const [id, item] of Object.entries(b)) if (JSON.stringify(a[id]) !== JSON.stringify(item)) part.upsert.push(item);
  };
  const byKey = (list: EndpointIR[]) => Object.fromEntries(list.map((e) => [e.id, e]));
  compare(byKey(previous.endpoints), byKey(next.endpoints), diff.endpoints);
  compare(previous.chains, next.chains, diff.chains);
  compare(previous.ipSets, next.ipSets, diff.ipSets);
  compare(previous.tupleSets, next.tupleSets, diff.tupleSets);
  if (JSON.stringify(previous.felix) !== JSON.stringify(next.felix)) diff.felix = next.felix;
  return sortDiff(diff);
}

export const policyChainId = (policyId: string, direction: Direction): string => `p${direction === 'ingress' ? 'i' : 'e'}-${shortHash(policyId)}`;
export const profileChainId = (profile: string, direction: Direction): string => `r${direction === 'ingress' ? 'i' : 'e'}-${shortHash(profile)}`;

/**
 * Compiles one node's policy: a chain per local endpoint, direction and stage, in Calico's order,
 * referring to shared per-policy chains and to IP sets built from the selectors they use.
 */
export function compileNode(snapshot: Snapshot, node: string): NodeIR {
  return new NodeCompiler(snapshot, node).ir();
}

/** Applies a diff to an IR (what an agent holding the last IR does with an update). */
export function applyIrDiff(ir: NodeIR, diff: IrDiff): NodeIR {
  const endpoints = new Map(ir.endpoints.map((e) => [e.id, e]));
  for (const id of diff.endpoints.remove) endpoints.delete(id);
  for (const e of diff.endpoints.upsert) endpoints.set(e.id, e);
  const patch = <T>(record: Record<string, T>, part: { upsert: (T & { id: string })[]; remove: string[] }) => {
    const map = new Map(Object.entries(record));
    for (const id of part.remove) map.delete(id);
    for (const item of part.upsert) map.set(item.id, item);
    return map;
  };
  const ipSets = patch(ir.ipSets, diff.ipSets);
  for (const change of diff.ipSets.members) {
    const set = ipSets.get(change.id)!;
    const members = new Set(set.members);
    for (const m of change.remove) members.delete(m);
    for (const m of change.add) members.add(m);
    ipSets.set(change.id, { ...set, members: [...members].sort() });
  }
  const tupleSets = patch(ir.tupleSets, diff.tupleSets);
  for (const change of diff.tupleSets.members) {
    const set = tupleSets.get(change.id)!;
    const members = new Map(set.members.map((m) => [tupleKey(m), m]));
    for (const m of change.remove) members.delete(tupleKey(m));
    for (const m of change.add) members.set(tupleKey(m), m);
    tupleSets.set(change.id, { ...set, members: [...members.values()].sort(compareTuples) });
  }
  return {
    node: ir.node,
    endpoints: [...endpoints.values()].sort((a, b) => byId(a.id, b.id)),
    chains: sortRecord(patch(ir.chains, diff.chains)),
    ipSets: sortRecord(ipSets),
    tupleSets: sortRecord(tupleSets),
    felix: diff.felix ?? ir.felix,
  };
}

/** True when a diff changes nothing. */
export function isEmptyDiff(diff: IrDiff): boolean {
  return !diff.felix && [diff.endpoints, diff.chains, diff.ipSets, diff.tupleSets].every((p) => p.upsert.length === 0 && p.remove.length === 0) && !diff.ipSets.members.length && !diff.tupleSets.members.length;
}
