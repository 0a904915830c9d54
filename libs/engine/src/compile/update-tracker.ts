import type { EndpointIR, IpSetIR, PolicyChainIR, TupleSetIR } from './ir.js';
import { emptyDiff, sortDiff, type IrDiff } from './ir-diff.js';
import { setIR, type SetEntry } from './set-entry.js';

/** What the tracker reads of the compiler it watches. */
export interface TrackedCompiler {
  readonly node: string;
  current(kind: 'endpoints' | 'chains', id: string): EndpointIR | PolicyChainIR | undefined;
  set(id: string): SetEntry | undefined;
}

/**
 * Remembers what endpoints and chains looked like before an update (as JSON, taken on first
 * touch), which sets were made, emptied of references or had members change, then reports the
 * objects whose content differs afterwards.
 */
export class UpdateTracker {
  private readonly before = new Map<string, { kind: 'endpoints' | 'chains'; id: string; json: string | undefined }>();
  private readonly createdSets = new Set<string>();
  private readonly dirtySets = new Set<string>();
  private readonly removedSets: { kind: 'ipSets' | 'tupleSets'; id: string }[] = [];
  readonly orphanedChains: string[] = [];
  readonly orphanedSets: string[] = [];

  constructor(private readonly compiler: TrackedCompiler) {}

  touch(kind: 'endpoints' | 'chains', id: string): void {
    const key = `${kind}\u0000${id}`;
    if (this.before.has(key)) return;
    const current = this.compiler.current(kind, id);
    this.before.set(key, { kind, id, json: current ? JSON.stringify(current) : undefined });
  }

  /** An endpoint or chain that did not exist before the update. */
  created(kind: 'endpoints' | 'chains', id: string): void {
    const key = `${kind}\u0000${id}`;
    if (!this.before.has(key)) this.before.set(key, { kind, id, json: undefined });
  }

  createdSet(id: string): void {
    this.createdSets.add(id);
  }

  dirty(id: string): void {
    this.dirtySets.add(id);
  }

  removedSet(entry: SetEntry): void {
    if (this.createdSets.delete(entry.id)) return; // made and dropped in one update: never seen
    this.dirtySets.delete(entry.id);
    this.removedSets.push({ kind: entry.kind, id: entry.id });
  }

  orphan(kind: 'chains' | 'ipSets', id: string): void {
    (kind === 'chains' ? this.orphanedChains : this.orphanedSets).push(id);
  }

  diff(compiler: TrackedCompiler): IrDiff {
    const diff = emptyDiff(compiler.node);
    for (const { kind, id, json } of this.before.values()) {
      const now = compiler.current(kind, id);
      if (!now) {
        if (json !== undefined) diff[kind].remove.push(id);
      } else if (JSON.stringify(now) !== json) (diff[kind].upsert as (typeof now)[]).push(now);
    }
    for (const { kind, id } of this.removedSets) diff[kind].remove.push(id);
    for (const id of this.createdSets) {
      const entry = compiler.set(id)!;
      entry.members.takeChanges();
      if (entry.kind === 'ipSets') diff.ipSets.upsert.push(setIR(entry) as IpSetIR);
      else diff.tupleSets.upsert.push(setIR(entry) as TupleSetIR);
    }
    for (const id of this.dirtySets) {
      if (this.createdSets.has(id)) continue;
      const entry = compiler.set(id)!;
      if (entry.kind === 'ipSets') {
        const changes = entry.members.takeChanges();
        if (changes.add.length || changes.remove.length) diff.ipSets.members.push({ id, ...changes });
      } else {
        const changes = entry.members.takeChanges();
        if (changes.add.length || changes.remove.length) diff.tupleSets.members.push({ id, ...changes });
      }
    }
    return sortDiff(diff);
  }
}
