import type { Labels } from '../selector/compile.js';
import type { Selector } from '../selector/selector.js';
import { SelectorIndex } from '../index/label-index.js';
import type { Endpoint, Snapshot } from './types.js';

/**
 * Everything computed from a snapshot and kept for reuse: label indexes, per-endpoint chains,
 * selector IP sets. A snapshot that changes in place (ClusterState) forgets exactly the entries a
 * change affects; an immutable one just keeps them.
 */
export interface SnapshotCaches {
  /** Bumped to forget every endpoint's chains at once. */
  generation: number;
  /** Chains by endpoint kind and labels (typed by eval/chain.ts): forgotten whenever a policy or tier changes. */
  chainsByLabels: Map<string, unknown>;
  /** Compiled tier groups shared by the endpoints the same policies apply to, by key. */
  groups: Map<string, { group: unknown; policyIds: string[] }>;
  /** policy id → keys of the groups it is part of, to drop them when it changes. */
  groupsOfPolicy: Map<string, Set<string>>;
  /** selector canonical string → IP set (typed by eval/ipsets.ts). */
  ipSets: Map<string, unknown>;
  /** The selectors of cached IP sets, to find the ones a label change affects. */
  ipSetSelectors: SelectorIndex<string>;
  /** Label indexes (typed by index/snapshot-index.ts). */
  indexes?: unknown;
  /** Resolved flow peers by how they were written (typed by eval/peers.ts); any change clears them. */
  peers: Map<string, unknown>;
  /** IP sets by selector object, for the hot path (entries are checked for staleness). */
  ipSetsBySelector: WeakMap<Selector, { stale?: boolean }>;
}

const caches = new WeakMap<Snapshot, SnapshotCaches>();
// Flows are evaluated in runs against one snapshot: remember the last lookup.
let lastSnapshot: Snapshot | undefined;
let lastCaches: SnapshotCaches | undefined;

export function cachesOf(snapshot: Snapshot): SnapshotCaches {
  if (snapshot === lastSnapshot) return lastCaches!;
  let c = caches.get(snapshot);
  if (!c) {
    c = { generation: 0, chainsByLabels: new Map(), groups: new Map(), groupsOfPolicy: new Map(), ipSets: new Map(), ipSetSelectors: new SelectorIndex(), peers: new Map(), ipSetsBySelector: new WeakMap() };
    caches.set(snapshot, c);
  }
  lastSnapshot = snapshot;
  lastCaches = c;
  return c;
}

/** Forgets one endpoint's chains, or every chain and group (when tiers change). */
/**
 * An endpoint's compiled chains live on the endpoint object itself (a changed endpoint is a new
 * object), tagged with the snapshot and generation they were computed for: evaluating a flow then
 * costs a property read, not a lookup in a map of 50,000 endpoints.
 */
const CHAINS = Symbol('palisade.chains');
interface ChainSlot {
  snapshot: Snapshot;
  generation: number;
  chains: unknown[];
}

export function chainsOf(snapshot: Snapshot, endpoint: Endpoint): unknown[] {
  const c = cachesOf(snapshot);
  const holder = endpoint as Endpoint & { [CHAINS]?: ChainSlot };
  const slot = holder[CHAINS];
  if (slot && slot.snapshot === snapshot && slot.generation === c.generation) return slot.chains;
  const chains: unknown[] = [];
  // A symbol key: invisible to JSON, Object.keys and spreads of the endpoint.
  holder[CHAINS] = { snapshot, generation: c.generation, chains };
  return chains;
}

export function forgetChains(snapshot: Snapshot, endpoint?: Endpoint): void {
  const c = cachesOf(snapshot);
  if (endpoint !== undefined) {
    const slot = (endpoint as Endpoint & { [CHAINS]?: ChainSlot })[CHAINS];
    if (slot && slot.snapshot === snapshot) slot.chains = [];
    return;
  }
  c.generation++;
  c.chainsByLabels.clear();
  c.groups.clear();
  c.groupsOfPolicy.clear();
}

export function rememberGroup(snapshot: Snapshot, key: string, group: unknown, policyIds: string[]): void {
  const c = cachesOf(snapshot);
  c.groups.set(key, { group, policyIds });
  for (const id of policyIds) {
    let keys = c.groupsOfPolicy.get(id);
    if (!keys) c.groupsOfPolicy.set(id, (keys = new Set()));
    keys.add(key);
  }
}

/** Drops the shared groups a changed policy was part of (the endpoints using them are forgotten by the caller). */
export function forgetGroupsOf(snapshot: Snapshot, policyId: string): void {
  const c = cachesOf(snapshot);
  // Which policies apply to which labels may have changed.
  c.chainsByLabels.clear();
  for (const key of c.groupsOfPolicy.get(policyId) ?? []) {
    const entry = c.groups.get(key);
    if (!entry) continue;
    c.groups.delete(key);
    for (const id of entry.policyIds) c.groupsOfPolicy.get(id)?.delete(key);
  }
  c.groupsOfPolicy.delete(policyId);
}

/** Forgets the IP sets whose selector matches any of these label sets (before and after a change). */
export function forgetIpSetsMatching(snapshot: Snapshot, ...labelSets: Labels[]): string[] {
  const c = cachesOf(snapshot);
  const forgotten: string[] = [];
  for (const labels of labelSets) {
    for (const key of c.ipSetSelectors.matching(labels).values()) {
      const set = c.ipSets.get(key) as { stale?: boolean } | undefined;
      if (set) {
        set.stale = true;
        c.ipSets.delete(key);
        forgotten.push(key);
      }
      c.ipSetSelectors.delete(key);
    }
  }
  return forgotten;
}

export function rememberIpSet(snapshot: Snapshot, key: string, selector: Selector, set: { stale?: boolean }): void {
  const c = cachesOf(snapshot);
  c.ipSets.set(key, set);
  c.ipSetSelectors.set(key, key, selector);
  c.ipSetsBySelector.set(selector, set);
}

/** Forgets every IP set (when something node-wide changed). */
export function forgetIpSets(snapshot: Snapshot): string[] {
  const c = cachesOf(snapshot);
  const keys = [...c.ipSets.keys()];
  for (const set of c.ipSets.values()) (set as { stale?: boolean }).stale = true;
  c.ipSets.clear();
  c.ipSetSelectors = new SelectorIndex();
  return keys;
}
