import { resourceType, type Resource } from '../model/resources.js';
import type { SourceRef } from '../snapshot/types.js';

export interface SnapshotInput {
  resource: Resource;
  /** Position in the input, for errors. */
  document?: number;
}

/** Identifies a resource across changes: its type, namespace and name. */
export interface ResourceKey {
  type: string;
  namespace?: string;
  name: string;
}

export type Change = { upsert: SnapshotInput | Resource } | { delete: ResourceKey };

const NAMESPACED = new Set([
  'NetworkPolicy',
  'StagedNetworkPolicy',
  'StagedKubernetesNetworkPolicy',
  'KubernetesNetworkPolicy',
  'NetworkSet',
  'WorkloadEndpoint',
  'ServiceAccount',
  'Pod',
  'EndpointSlice',
]);

export function keyOf(resource: Resource): string {
  const type = resourceType(resource);
  return `${type}/${NAMESPACED.has(type) ? `${resource.metadata.namespace ?? 'default'}/` : ''}${resource.metadata.name}`;
}

export function keyFromRef(ref: ResourceKey): string {
  return `${ref.type}/${NAMESPACED.has(ref.type) ? `${ref.namespace ?? 'default'}/` : ''}${ref.name}`;
}

export const asInput = (item: SnapshotInput | Resource): SnapshotInput => ('resource' in item ? item : { resource: item });

export function sourceRef(input: SnapshotInput): SourceRef {
  const r = input.resource;
  return { type: resourceType(r), name: r.metadata.name, ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}), ...(input.document !== undefined ? { document: input.document } : {}) };
}

/**
 * The resources the state is computed from, by key, each with its age (when it was last written).
 * Ages decide clashes the same way in a full build and incrementally: the older resource wins
 * (two descriptions of one endpoint, two endpoints with one IP).
 */
export class InputStore {
  private readonly inputs = new Map<string, SnapshotInput>();
  private readonly ages = new Map<string, number>();
  private nextAge = 0;

  get(key: string): SnapshotInput | undefined {
    return this.inputs.get(key);
  }

  has(key: string): boolean {
    return this.inputs.has(key);
  }

  ageOf(key: string): number {
    return this.ages.get(key)!;
  }

  keys(): IterableIterator<string> {
    return this.inputs.keys();
  }

  /** In the order they were last written. */
  values(): IterableIterator<SnapshotInput> {
    return this.inputs.values();
  }

  /** Stores a resource as the newest, or with the age it had (when a change is undone). */
  set(key: string, input: SnapshotInput, age?: number): void {
    this.inputs.set(key, input);
    this.ages.set(key, age ?? this.nextAge++);
  }

  delete(key: string): void {
    this.inputs.delete(key);
    this.ages.delete(key);
  }
}
