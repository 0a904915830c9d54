import { hostCidr, type ParsedCidr } from '../net/index.js';
import type { Selector } from '../selector/selector.js';
import { SelectorIndex } from '../labelindex/label-index.js';
import { chainFor, type Direction, type Stage } from '../eval/chain.js';
import type { Affected } from '../snapshot/affected.js';
import type { Endpoint, Member, PolicyInfo, ProfileInfo } from '../snapshot/types.js';
import type { Snapshot } from '../eval/snapshot.js';
import { CidrSet, TupleSet, type Tuple } from './member-sets.js';
import { localEndpoints, shortHash, workloadInterface, type EndpointIR, type Family, type IpSetIR, type MatchIR, type NodeIR, type PolicyChainIR, type StageIR, type TupleSetIR } from './ir.js';
import { byId, diffIr, sortRecord, type IrDiff } from './ir-diff.js';
import { policyChainId, policyChainIR, profileChainId, profileChainIR, type RuleSets } from './rule-ir.js';
import { setIR, type SetEntry, type SetTrigger } from './set-entry.js';
import { UpdateTracker, type TrackedCompiler } from './update-tracker.js';

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

/**
 * One node's compiled policy, kept up to date change by change. Chains are shared by every local
 * endpoint a policy applies to and sets by every chain that names them, with reference counts, so
 * an update rebuilds only the endpoints, chains and sets a change reaches (found through the label
 * indexes) and reports exactly the objects whose content changed. `compileNode` is a compiler that
 * never receives an update, so a full build and a sequence of updates run the same code.
 */
export class NodeCompiler implements TrackedCompiler {
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
  private readonly ruleSets: RuleSets = {
    selectorSet: (selector) => this.selectorSet(selector),
    namedPortSet: (names, protocol, selector) => this.namedPortSet(names, protocol, selector),
    serviceMatch: (key, side) => this.serviceMatch(key, side),
  };
  /** During an update: records what objects were before they change. */
  private tracker: UpdateTracker | undefined;
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
    const before = new UpdateTracker(this);
    this.tracker = before;
    try {
      this.applyIncrementally(affected, before);
    } finally {
      this.tracker = undefined;
    }
    return before.diff(this);
  }

  private applyIncrementally(affected: Affected, before: UpdateTracker): void {
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
      const rank = this.snapshot.indexes.rank.get(policyId);
      const policy = rank === undefined ? undefined : this.snapshot.policies[rank];
      if (!policy) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        const id = policyChainId(policy.id, direction);
        if (this.chains.has(id)) this.rebuildChain(before, id, () => policyChainIR(this.ruleSets, policy, direction));
      }
    }
    for (const name of affected.profiles) {
      const profile = this.snapshot.profiles.get(name);
      if (!profile) continue;
      for (const direction of ['ingress', 'egress'] as const) {
        const id = profileChainId(name, direction);
        if (this.chains.has(id)) this.rebuildChain(before, id, () => profileChainIR(this.ruleSets, profile, direction));
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

  private rebuildChain(tracker: UpdateTracker, id: string, build: () => PolicyChainIR): void {
    const entry = this.chains.get(id)!;
    tracker.touch('chains', id);
    const sets = new Set<string>();
    entry.ir = this.collect(sets, build);
    for (const set of sets) this.sets.get(set)!.refs++;
    this.release('chains', entry.sets, tracker);
    entry.sets = [...sets];
  }

  /** Drops one reference from each of these chains (or sets); what nothing refers to goes later. */
  private release(kind: 'endpoints' | 'chains', ids: string[], tracker: UpdateTracker): void {
    for (const id of ids) {
      const entry = kind === 'endpoints' ? this.chains.get(id)! : this.sets.get(id)!;
      entry.refs--;
      if (entry.refs === 0) tracker.orphan(kind === 'endpoints' ? 'chains' : 'ipSets', id);
    }
  }

  private collectGarbage(tracker: UpdateTracker): void {
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
    return [...this.snapshot.indexes.members.matching(selector).values()].flatMap((m) => (m.kind === 'endpoint' ? [m.endpoint] : []));
  }

  private selectorSet(selector: Selector): Partial<Record<Family, string>> {
    const source = selector.toString();
    const hash = shortHash(source);
    // Both families' sets are made from one lookup of the selector's members.
    let matched: Member[] | undefined;
    const members = () => (matched ??= [...this.snapshot.indexes.members.matching(selector).values()]);
    return this.perFamily('s', (family, prefix) => {
      const contribute = (m: Member): ParsedCidr[] => (m.kind === 'endpoint' ? m.endpoint.ips.filter((ip) => ip.family === family).map(hostCidr) : m.set.nets.filter((n) => n.family === family));
      const recompute = () => [...this.snapshot.indexes.members.matching(selector).values()].flatMap(contribute);
      return this.useSet(`${prefix}${hash}`, { selector }, () => ({
        kind: 'ipSets',
        id: `${prefix}${hash}`,
        family,
        source,
        refs: 0,
        members: CidrSet.of(members().flatMap(contribute)),
        contribute,
        recompute,
      }));
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

  /** Restricted to the side's selector, as Calico's named-port IP sets are. */
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
      return {
        service: this.tupleSet(
          'v',
          key,
          { service: key },
          () => [],
          (family) => addresses(family).flatMap((ip) => ports().map((p) => ({ ip: ip.text, protocol: p.protocol, port: p.port }))),
        ),
      };
    }
    const hash = shortHash(key);
    const source = `service ${key}`;
    return {
      serviceAddresses: this.perFamily('a', (family, prefix) => {
        const recompute = () => addresses(family).map(hostCidr);
        return this.useSet(`${prefix}${hash}`, { service: key }, () => ({
          kind: 'ipSets',
          id: `${prefix}${hash}`,
          family,
          source,
          refs: 0,
          members: CidrSet.of(recompute()),
          contribute: () => [],
          recompute,
        }));
      }),
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
      else this.useChain(id, () => policyChainIR(this.ruleSets, policies[i]!, direction));
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
    for (const p of profiles) for (const direction of ['ingress', 'egress'] as const) this.useChain(profileChainId(p.name, direction), () => profileChainIR(this.ruleSets, p, direction));
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
 * Compiles one node's policy: a chain per local endpoint, direction and stage, in Calico's order,
 * referring to shared per-policy chains and to IP sets built from the selectors they use.
 */
export function compileNode(snapshot: Snapshot, node: string): NodeIR {
  return new NodeCompiler(snapshot, node).ir();
}
