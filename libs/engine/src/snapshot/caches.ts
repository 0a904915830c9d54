import type { Labels } from '../selector/compile.js';
import type { Selector } from '../selector/selector.js';
import { SelectorIndex } from '../index/label-index.js';
import type { Snapshot } from './types.js';

/**
 * Everything computed from a snapshot and kept for reuse: label indexes, per-endpoint chains,
 * selector IP sets. A snapshot that changes in place (ClusterState) forgets exactly the entries a
 * change affects; an immutable one just keeps them.
 */
export interface SnapshotCaches {
  /** endpoint id → chain key → compiled chain (typed by eval/chain.ts). */
  chains: Map<string, Map<string, unknown>>;
  /** selector canonical string → IP set (typed by eval/ipsets.ts). */
  ipSets: Map<string, unknown>;
  /** The selectors of cached IP sets, to find the ones a label change affects. */
  ipSetSelectors: SelectorIndex<string>;
  /** Label indexes (typed by index/snapshot-index.ts). */
  indexes?: unknown;
}

const caches = new WeakMap<Snapshot, SnapshotCaches>();

export function cachesOf(snapshot: Snapshot): SnapshotCaches {
  let c = caches.get(snapshot);
  if (!c) {
    c = { chains: new Map(), ipSets: new Map(), ipSetSelectors: new SelectorIndex() };
    caches.set(snapshot, c);
  }
  return c;
}

export function forgetChains(snapshot: Snapshot, endpointId?: string): void {
  const c = cachesOf(snapshot);
  if (endpointId === undefined) c.chains.clear();
  else c.chains.delete(endpointId);
}

/** Forgets the IP sets whose selector matches any of these label sets (before and after a change). */
export function forgetIpSetsMatching(snapshot: Snapshot, ...labelSets: Labels[]): string[] {
  const c = cachesOf(snapshot);
  const forgotten: string[] = [];
  for (const labels of labelSets) {
    for (const key of c.ipSetSelectors.matching(labels).values()) {
      if (c.ipSets.delete(key)) forgotten.push(key);
      c.ipSetSelectors.delete(key);
    }
  }
  return forgotten;
}

export function rememberIpSet(snapshot: Snapshot, key: string, selector: Selector, set: unknown): void {
  const c = cachesOf(snapshot);
  c.ipSets.set(key, set);
  c.ipSetSelectors.set(key, key, selector);
}
