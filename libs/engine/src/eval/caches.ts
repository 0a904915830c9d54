import { SelectorIndex } from '../labelindex/label-index.js';
import type { Labels } from '../selector/compile.js';
import type { Selector } from '../selector/selector.js';
import type { Affected } from '../snapshot/affected.js';
import type { Endpoint } from '../snapshot/types.js';
import type { CompiledChain, CompiledGroup } from './chain.js';
import type { IpSet } from './ipsets.js';
import type { Peer } from './peers.js';

/**
 * An endpoint's compiled chains live on the endpoint object itself (a changed endpoint is a new
 * object), tagged with the caches and generation they were computed for: evaluating a flow then
 * costs a property read, not a lookup in a map of 50,000 endpoints. A symbol key keeps the slot
 * out of JSON, Object.keys and spreads of the endpoint.
 */
const CHAINS = Symbol('palisade.chains');
interface ChainSlot {
  owner: EvaluationCaches;
  generation: number;
  chains: CompiledChain[];
}
type WithChains = Endpoint & { [CHAINS]?: ChainSlot };

/**
 * What evaluation computes from a state and keeps for reuse: per-endpoint chains, the tier groups
 * endpoints share, selector IP sets and resolved flow peers. The state reports every change as an
 * `Affected`, and `invalidate` forgets exactly the entries it reaches, so an evaluation after any
 * sequence of changes equals one on a freshly built state.
 */
export class EvaluationCaches {
  /** Bumped to forget every endpoint's chains at once. */
  private generation = 0;
  /** Chains by stage key, endpoint kind and labels: replicas share them. Which policies apply to which labels changes with any policy. */
  readonly chainsByLabels = new Map<string, CompiledChain>();
  /** Compiled tier groups shared by the endpoints the same policies apply to, by key. */
  private readonly groups = new Map<string, { group: CompiledGroup; policyIds: string[] }>();
  /** policy id → keys of the groups it is part of, to drop them when it changes. */
  private readonly groupsOfPolicy = new Map<string, Set<string>>();
  /** selector canonical string → IP set. */
  private readonly ipSets = new Map<string, IpSet>();
  /** The selectors of cached IP sets, to find the ones a label change affects. */
  private ipSetSelectors = new SelectorIndex<string>();
  /** IP sets by selector object, for the hot path (entries are checked for staleness). */
  private readonly ipSetsBySelector = new WeakMap<Selector, IpSet>();
  /** Resolved flow peers by how they were written; any change clears them. */
  readonly peers = new Map<string, Peer>();

  /** The endpoint's chain slots (indexed by stage key), empty after it was forgotten. */
  chainsOf(endpoint: Endpoint): CompiledChain[] {
    const holder = endpoint as WithChains;
    const slot = holder[CHAINS];
    if (slot && slot.owner === this && slot.generation === this.generation) return slot.chains;
    const chains: CompiledChain[] = [];
    holder[CHAINS] = { owner: this, generation: this.generation, chains };
    return chains;
  }

  group(key: string): CompiledGroup | undefined {
    return this.groups.get(key)?.group;
  }

  rememberGroup(key: string, group: CompiledGroup, policyIds: string[]): void {
    this.groups.set(key, { group, policyIds });
    for (const id of policyIds) {
      let keys = this.groupsOfPolicy.get(id);
      if (!keys) this.groupsOfPolicy.set(id, (keys = new Set()));
      keys.add(key);
    }
  }

  /** A fresh IP set for this selector object, if one is cached. */
  ipSetFor(selector: Selector): IpSet | undefined {
    const known = this.ipSetsBySelector.get(selector);
    return known && !known.stale ? known : undefined;
  }

  /** The cached IP set of an equal selector (another object with the same canonical text). */
  ipSetByKey(key: string, selector: Selector): IpSet | undefined {
    const set = this.ipSets.get(key);
    if (set) this.ipSetsBySelector.set(selector, set);
    return set;
  }

  rememberIpSet(key: string, selector: Selector, set: IpSet): void {
    this.ipSets.set(key, set);
    this.ipSetSelectors.set(key, key, selector);
    this.ipSetsBySelector.set(selector, set);
  }

  /**
   * Forgets what a change reached. IP sets whose selector matches a member that left or joined
   * are dropped (and named in `affected.selectors`); a changed policy drops the groups it was part
   * of and the label → chain answers; changed endpoints lose their chains. Node-wide changes
   * (tiers, Felix settings) forget everything.
   */
  invalidate(affected: Affected, endpoints: ReadonlyMap<string, Endpoint>): void {
    this.peers.clear();
    if (affected.all) {
      this.forgetAllChains();
      for (const key of this.forgetAllIpSets()) affected.selectors.add(key);
      return;
    }
    for (const { member } of affected.members) {
      for (const key of this.forgetIpSetsMatching(member.kind === 'endpoint' ? member.endpoint.labels : member.set.labels)) affected.selectors.add(key);
    }
    for (const id of affected.policies) this.forgetGroupsOf(id);
    for (const id of affected.endpoints) {
      const endpoint = endpoints.get(id) as WithChains | undefined;
      const slot = endpoint?.[CHAINS];
      if (slot && slot.owner === this) slot.chains = [];
    }
  }

  private forgetAllChains(): void {
    this.generation++;
    this.chainsByLabels.clear();
    this.groups.clear();
    this.groupsOfPolicy.clear();
  }

  private forgetGroupsOf(policyId: string): void {
    this.chainsByLabels.clear();
    for (const key of this.groupsOfPolicy.get(policyId) ?? []) {
      const entry = this.groups.get(key);
      if (!entry) continue;
      this.groups.delete(key);
      for (const id of entry.policyIds) this.groupsOfPolicy.get(id)?.delete(key);
    }
    this.groupsOfPolicy.delete(policyId);
  }

  private forgetIpSetsMatching(labels: Labels): string[] {
    const forgotten: string[] = [];
    for (const key of this.ipSetSelectors.matching(labels).values()) {
      const set = this.ipSets.get(key);
      if (set) {
        set.stale = true;
        this.ipSets.delete(key);
        forgotten.push(key);
      }
      this.ipSetSelectors.delete(key);
    }
    return forgotten;
  }

  private forgetAllIpSets(): string[] {
    const keys = [...this.ipSets.keys()];
    for (const set of this.ipSets.values()) set.stale = true;
    this.ipSets.clear();
    this.ipSetSelectors = new SelectorIndex();
    return keys;
  }
}
