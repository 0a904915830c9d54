import type { Resource } from '../model/resources.js';
import { EvaluationCaches } from '../eval/caches.js';
import type { Snapshot } from '../eval/snapshot.js';
import type { SnapshotIndexes } from '../labelindex/indexes.js';
import type { Labels } from '../selector/compile.js';
import { mergeAffected, noneAffected, type Affected } from '../snapshot/affected.js';
import type { Endpoint, FelixSettings, NetworkSetInfo, NodeInfo, PolicyInfo, ProfileInfo, ServiceInfo, SnapshotError, TierInfo } from '../snapshot/types.js';
import { CalculationGraph } from './graph.js';
import { asInput, keyFromRef, keyOf, type Change, type SnapshotInput } from './inputs.js';

/**
 * The state a verdict needs, derived from resources by the calculation graph (`graph.ts`) and
 * kept up to date one change at a time. Each change reports what it reached; the evaluator's
 * caches forget exactly that, so a full build and a sequence of changes give identical results.
 */
export class ClusterState implements Snapshot {
  private readonly graph = new CalculationGraph();
  readonly evaluation = new EvaluationCaches();
  readonly indexes: SnapshotIndexes;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly services: ReadonlyMap<string, ServiceInfo>;
  readonly profiles: ReadonlyMap<string, ProfileInfo>;
  readonly namespaces: ReadonlyMap<string, Labels>;

  constructor() {
    const { members, policies, order, endpoints, services, profiles, identities } = this.graph;
    this.indexes = {
      members,
      policies: policies.index,
      rank: order.rank,
      get staged() {
        return policies.staged;
      },
    };
    this.endpoints = endpoints.endpoints;
    this.services = services.services;
    this.profiles = profiles.profiles;
    this.namespaces = identities.namespaces;
  }

  /** A state built from resources in one go (what buildSnapshot returns). */
  static from(inputs: (SnapshotInput | Resource)[]): ClusterState {
    const state = new ClusterState();
    const list = inputs.map(asInput);
    for (const input of [...list].sort((a, b) => CalculationGraph.buildRank(a) - CalculationGraph.buildRank(b))) state.graph.put(input);
    state.graph.finishBuild();
    return state;
  }

  get networkSets(): readonly NetworkSetInfo[] {
    return this.graph.networkSets.all;
  }

  get policies(): readonly PolicyInfo[] {
    return this.graph.order.policies;
  }

  get tiers(): readonly TierInfo[] {
    return this.graph.order.tiers;
  }

  get endpointByIp(): ReadonlyMap<string, Endpoint> {
    return this.graph.endpoints.byIp;
  }

  get nodes(): ReadonlyMap<string, NodeInfo> {
    return this.graph.nodes.byName;
  }

  get nodeByIp(): ReadonlyMap<string, NodeInfo> {
    return this.graph.nodes.byIp;
  }

  get errors(): SnapshotError[] {
    return this.graph.errors();
  }

  felix(node: string | undefined): FelixSettings {
    return this.graph.felix.settings(node);
  }

  /** The resources the state was built from, as they are now. */
  resources(): Resource[] {
    return [...this.graph.inputs.values()].map((i) => i.resource);
  }

  /** One resource as the state holds it, by key ("Type/namespace/name" or "Type/name"). */
  resource(key: string): Resource | undefined {
    return this.graph.inputs.get(key)?.resource;
  }

  /** Each calculator's content, canonical: a state built in one go and one changed step by step into the same resources dump equal. */
  dumpCalculators(): Record<string, unknown> {
    return this.graph.dump();
  }

  /** Applies one change and reports what it touched; caches are forgotten accordingly. */
  apply(change: Change): Affected {
    const affected = noneAffected();
    if ('upsert' in change) this.graph.put(asInput(change.upsert), affected);
    else this.graph.remove(keyFromRef(change.delete), affected);
    this.changed(affected);
    return affected;
  }

  /**
   * Applies changes, runs `inspect` on the changed state with what they touched, then puts every
   * resource back exactly as it was (with its original age, so IP clashes resolve as before). For
   * "what if" questions against a long-lived state without copying it.
   */
  whatIf<T>(changes: Change[], inspect: (affected: Affected) => T): T {
    const { inputs } = this.graph;
    const saved = new Map<string, { input: SnapshotInput; age: number } | undefined>();
    const affected = noneAffected();
    try {
      for (const change of changes) {
        const key = 'upsert' in change ? keyOf(asInput(change.upsert).resource) : keyFromRef(change.delete);
        if (!saved.has(key)) {
          const input = inputs.get(key);
          saved.set(key, input && { input, age: inputs.ageOf(key) });
        }
        mergeAffected(affected, this.apply(change));
      }
      return inspect(affected);
    } finally {
      const restore = noneAffected();
      for (const [key, prior] of [...saved].reverse()) {
        if (prior) this.graph.put(prior.input, restore, prior.age);
        else this.graph.remove(key, restore);
      }
      this.changed(restore);
    }
  }

  private changed(affected: Affected): void {
    this.graph.changed();
    this.evaluation.invalidate(affected, this.endpoints);
  }
}

/**
 * Builds the state a verdict needs from resources. Inconsistencies (two endpoints with one IP, a
 * policy in a tier nobody defined) are reported in `errors` with the documents and fields
 * involved; the snapshot is still usable.
 */
export function buildSnapshot(inputs: (SnapshotInput | Resource)[]): ClusterState {
  return ClusterState.from(inputs);
}
