import type { Endpoint, NetworkSetInfo, PolicyInfo, Snapshot } from '../snapshot/types.js';
import { LabelIndex, SelectorIndex } from './label-index.js';
import { cachesOf } from '../snapshot/caches.js';

export type Member = { kind: 'endpoint'; endpoint: Endpoint } | { kind: 'networkSet'; set: NetworkSetInfo };

export interface SnapshotIndexes {
  members: LabelIndex<Member>;
  policies: SelectorIndex<PolicyInfo>;
  rank: Map<string, number>;
  /** How many staged policies there are (a flow then also gets its pending verdict). */
  staged: number;
}

/** Label indexes of a snapshot: kept live by a ClusterState, built once on first use otherwise. */
export function indexesOf(snapshot: Snapshot): SnapshotIndexes {
  const caches = cachesOf(snapshot);
  let indexes = caches.indexes as SnapshotIndexes | undefined;
  if (indexes) return indexes;
  const members = new LabelIndex<Member>();
  for (const endpoint of snapshot.endpoints.values()) members.set(`e:${endpoint.id}`, { kind: 'endpoint', endpoint }, endpoint.labels);
  for (const set of snapshot.networkSets) members.set(`n:${set.id}`, { kind: 'networkSet', set }, set.labels);
  const policies = new SelectorIndex<PolicyInfo>();
  const rank = new Map<string, number>();
  snapshot.policies.forEach((p, i) => {
    policies.set(p.id, p, p.selector);
    rank.set(p.id, i);
  });
  indexes = { members, policies, rank, staged: snapshot.policies.filter((p) => p.staged).length };
  caches.indexes = indexes;
  return indexes;
}
