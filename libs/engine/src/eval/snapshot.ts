import type { SnapshotIndexes } from '../labelindex/indexes.js';
import type { Labels } from '../selector/compile.js';
import type { Endpoint, FelixSettings, NetworkSetInfo, NodeInfo, PolicyInfo, ProfileInfo, ServiceInfo, SnapshotError, TierInfo } from '../snapshot/types.js';
import type { EvaluationCaches } from './caches.js';

/**
 * What evaluating a flow (and compiling a node) needs from a cluster's state. `ClusterState`
 * implements it; the evaluator reads through this interface only, so it does not depend on how
 * the state is computed.
 */
export interface Snapshot {
  endpoints: ReadonlyMap<string, Endpoint>;
  endpointByIp: ReadonlyMap<string, Endpoint>;
  networkSets: readonly NetworkSetInfo[];
  nodes: ReadonlyMap<string, NodeInfo>;
  nodeByIp: ReadonlyMap<string, NodeInfo>;
  services: ReadonlyMap<string, ServiceInfo>;
  /** Sorted as Calico evaluates them. */
  tiers: readonly TierInfo[];
  /** Sorted by tier, order, then Calico's name tie-break. */
  policies: readonly PolicyInfo[];
  profiles: ReadonlyMap<string, ProfileInfo>;
  namespaces: ReadonlyMap<string, Labels>;
  felix(node: string | undefined): FelixSettings;
  errors: readonly SnapshotError[];
  /** Label indexes, kept current with every change. */
  readonly indexes: SnapshotIndexes;
  /** What evaluation computed and keeps for reuse; the state tells it what each change affected. */
  readonly evaluation: EvaluationCaches;
}
