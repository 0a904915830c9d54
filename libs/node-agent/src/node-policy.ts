import { ClusterState, keyOf, NodeCompiler, type IrDiff, type NodeIR, type Resource } from '@palisade/engine';
import type { ClusterInventory } from './inventory/cluster-inventory.js';

/**
 * One node's policy as the engine computes it: the desired release's resources with the cluster's
 * inventory laid over them (a live endpoint beats a stale copy in the release), compiled for this
 * node. A new release rebuilds the state; an inventory change is applied to it change by change
 * and compiled incrementally, so a pod starting elsewhere in the cluster costs a set update here.
 */
export class NodePolicy {
  private state: ClusterState;
  private compiler: NodeCompiler;
  private releaseByKey: Map<string, Resource>;

  constructor(
    readonly node: string,
    private currentRelease: string,
    releaseResources: readonly Resource[],
    private readonly inventory: ClusterInventory,
  ) {
    this.releaseByKey = new Map(releaseResources.map((r) => [keyOf(r), r]));
    const merged = new Map(this.releaseByKey);
    for (const r of inventory.all()) merged.set(keyOf(r), r);
    this.state = ClusterState.from([...merged.values()]);
    this.compiler = new NodeCompiler(this.state, node);
  }

  /** The release this state was built from. */
  get release(): string {
    return this.currentRelease;
  }

  get snapshot(): ClusterState {
    return this.state;
  }

  ir(): NodeIR {
    return this.compiler.ir();
  }

  /** Problems the state holds (clashing addresses, unknown tiers...): reported, not fatal, as Felix does. */
  errors(): string[] {
    return this.state.errors.map((e) => e.message);
  }

  /** Endpoints of this node the IR enforces policy for. */
  endpointCount(): number {
    return this.compiler.ir().endpoints.length;
  }

  /**
   * Moves the state to another release: only the resources that differ between the two are
   * applied, and compiled incrementally, so a one-policy change costs about one policy's work
   * however large the cluster (the same IR as building the new release from scratch: tested).
   */
  releaseChanged(release: string, resources: readonly Resource[]): IrDiff[] {
    const next = new Map(resources.map((r) => [keyOf(r), r]));
    const changed: string[] = [];
    for (const key of new Set([...this.releaseByKey.keys(), ...next.keys()])) {
      const before = this.releaseByKey.get(key);
      const after = next.get(key);
      // Release content is canonical JSON, so equal resources serialise equally.
      if (before && after && JSON.stringify(before) === JSON.stringify(after)) continue;
      changed.push(key);
    }
    this.releaseByKey = next;
    this.currentRelease = release;
    return this.inventoryChanged(changed);
  }

  /** Brings the state up to date after the inventory changed these keys; returns what changed in the IR. */
  inventoryChanged(keys: readonly string[]): IrDiff[] {
    const diffs: IrDiff[] = [];
    for (const key of keys) {
      const resource = this.inventory.get(key) ?? this.releaseByKey.get(key);
      const had = this.state.resource(key);
      if (!resource && !had) continue;
      const affected = resource ? this.state.apply({ upsert: resource }) : this.state.apply({ delete: refOf(key) });
      diffs.push(this.compiler.update(affected));
    }
    return diffs;
  }
}

/** "Type/namespace/name" or "Type/name" back into a reference. */
function refOf(key: string): { type: string; namespace?: string; name: string } {
  const parts = key.split('/');
  return parts.length === 3 ? { type: parts[0]!, namespace: parts[1]!, name: parts[2]! } : { type: parts[0]!, name: parts.slice(1).join('/') };
}
