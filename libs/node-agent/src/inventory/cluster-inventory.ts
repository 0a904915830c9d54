import { keyOf, type Resource } from '@palisade/engine';

/**
 * The cluster's inventory as every agent sees it: each node's reported resources, merged by key.
 * Namespaces and service accounts are reported by every node that runs something in them, so a
 * key can have several reporters; the newest report is the one in force, and when a node stops
 * reporting a key another node's copy takes over.
 */
export class ClusterInventory {
  private readonly byNode = new Map<string, Map<string, Resource>>();
  /** Who reports each key, oldest report first. */
  private readonly reporters = new Map<string, string[]>();

  /** Replaces one node's inventory; returns the keys whose resource in force may have changed. */
  replace(node: string, resources: readonly Resource[]): string[] {
    const before = this.byNode.get(node) ?? new Map<string, Resource>();
    const after = new Map(resources.map((r) => [keyOf(r), r]));
    const changed: string[] = [];
    for (const key of before.keys()) {
      if (after.has(key)) continue;
      const list = (this.reporters.get(key) ?? []).filter((n) => n !== node);
      if (list.length) this.reporters.set(key, list);
      else this.reporters.delete(key);
      changed.push(key);
    }
    for (const [key, resource] of after) {
      const old = before.get(key);
      if (old && JSON.stringify(old) === JSON.stringify(resource)) continue;
      this.reporters.set(key, [...(this.reporters.get(key) ?? []).filter((n) => n !== node), node]);
      changed.push(key);
    }
    if (after.size) this.byNode.set(node, after);
    else this.byNode.delete(node);
    return changed;
  }

  /** The resource in force for a key: the newest report of it. */
  get(key: string): Resource | undefined {
    const list = this.reporters.get(key);
    const node = list?.[list.length - 1];
    return node === undefined ? undefined : this.byNode.get(node)?.get(key);
  }

  /** Every resource in force. */
  all(): Resource[] {
    return [...this.reporters.keys()].map((key) => this.get(key)!);
  }

  get nodes(): number {
    return this.byNode.size;
  }
}
