import { appendInTransaction, readLastOfEach, type AppendRequest, type Db, type Tx } from '@palisade/event-store';
import type { Resource } from '@palisade/engine';
import { POLICY_SET_COUNTER, resourceStream, type ResourceEventPayload } from './streams.js';

/** A resource's stream version and current content (null: never written, or deleted). */
export interface Current {
  version: number;
  resource: Resource | null;
}

/** What a write plans against: the state under the revision lock, as the writes before it in its group left it. */
export interface GroupView {
  current(key: string): Current;
  /** The policy set's revision now. */
  readonly revision: number;
  /** Takes the next revision, for a write that changes something. */
  nextRevision(): number;
}

/** The events a write appends (none: nothing changes), and its result once they are stored. */
export interface Plan<R> {
  requests: AppendRequest[];
  finish(positionOf: (streamId: string) => number): R;
}

interface Write<R> {
  keys: string[];
  /** performance.now() when it was queued. */
  queuedAt: number;
  plan(view: GroupView): Plan<R>;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** Writes per group, and resource keys per group: a group is one transaction, one append. */
const MAX_WRITES = 64;
const MAX_KEYS = 10_000;

/**
 * Policy writes commit in groups. Every write holds the revision counter's row lock from its
 * reads to its commit, so readers see one order of changes and no write acts on a stale read; one
 * write per transaction then paid a commit (an fsync) under that lock each, which held the
 * gateway near 300 writes/s however many arrived at once. Writes that arrive while a group
 * commits wait for the next group, which takes the lock once, reads every key its writes touch in
 * one query, lets each write plan against that state in arrival order (each sees the revisions
 * the ones before it took), appends all their events in one append and commits once.
 *
 * A write whose checks fail (a stale expected version, a refused authorization, a missing
 * resource) is left out with its own error; the others commit. A resource key is written by at
 * most one write of a group: a later write of the same key waits for the next group, so it reads
 * what the earlier one wrote, exactly as it would have one transaction at a time.
 */
class GroupCommit {
  private readonly queue: Write<unknown>[] = [];
  private running = false;
  /** Groups committed (or failed) and the writes they carried. */
  private readonly counts = { groups: 0, writes: 0 };

  /** The counts, and the queue's lag: writes waiting for a group and how long the oldest has waited. */
  stats(): WriteGroupStats {
    const oldest = this.queue[0];
    return { ...this.counts, queued: this.queue.length, oldestWaitMs: oldest ? performance.now() - oldest.queuedAt : 0 };
  }

  constructor(private readonly db: Db) {}

  submit<R>(keys: string[], plan: (view: GroupView) => Plan<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ keys, queuedAt: performance.now(), plan, resolve: resolve as (result: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) await this.commit(this.nextGroup());
    } finally {
      this.running = false;
    }
  }

  /** The oldest writes that touch distinct keys, in arrival order; the rest stay queued in order. */
  private nextGroup(): Write<unknown>[] {
    const group: Write<unknown>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.queue.length && group.length < MAX_WRITES;) {
      const write = this.queue[i]!;
      const clash = write.keys.some((k) => keys.has(k));
      // The first write always goes, however many keys it has.
      if (group.length && (clash || keys.size + write.keys.length > MAX_KEYS)) {
        // Stop at a clash: writes after it may depend on it (the same caller's next write).
        if (clash) break;
        i++;
        continue;
      }
      for (const k of write.keys) keys.add(k);
      group.push(write);
      this.queue.splice(i, 1);
    }
    return group;
  }

  private async commit(group: Write<unknown>[]): Promise<void> {
    this.counts.groups++;
    this.counts.writes += group.length;
    let outcomes: ({ plan: Plan<unknown> } | { error: unknown })[];
    let positions: Map<string, number>;
    try {
      ({ outcomes, positions } = await this.db.transaction((tx) => this.inTransaction(tx, group), { timeout: 60_000 }));
    } catch (error) {
      for (const write of group) write.reject(error);
      return;
    }
    group.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if ('error' in outcome) return write.reject(outcome.error);
      try {
        write.resolve(outcome.plan.finish((streamId) => positions.get(streamId)!));
      } catch (error) {
        write.reject(error);
      }
    });
  }

  private async inTransaction(tx: Tx, group: Write<unknown>[]) {
    // The upsert takes the counter row's lock even when the row is new, and returns the revision.
    const [row] = await tx.query<{ value: bigint }[]>`
      INSERT INTO counters (name, value) VALUES (${POLICY_SET_COUNTER}, 0)
      ON CONFLICT (name) DO UPDATE SET value = counters.value RETURNING value`;
    const start = Number(row!.value);
    let revision = start;
    const keys = [...new Set(group.flatMap((w) => w.keys))];
    const last = await readLastOfEach(tx, keys.map(resourceStream));
    const view: GroupView = {
      current(key) {
        const event = last.get(resourceStream(key));
        return event ? { version: event.version, resource: (event.payload as unknown as ResourceEventPayload).after } : { version: 0, resource: null };
      },
      get revision() {
        return revision;
      },
      nextRevision: () => ++revision,
    };
    const outcomes = group.map((write): { plan: Plan<unknown> } | { error: unknown } => {
      const before = revision;
      try {
        return { plan: write.plan(view) };
      } catch (error) {
        // A refused write spends no revision.
        revision = before;
        return { error };
      }
    });
    const requests = outcomes.flatMap((o) => ('plan' in o ? o.plan.requests : []));
    const positions = new Map<string, number>();
    if (requests.length) for (const r of await appendInTransaction(tx, requests)) positions.set(r.streamId, r.positions[0]!);
    if (revision !== start) await tx.query`UPDATE counters SET value = ${revision} WHERE name = ${POLICY_SET_COUNTER}`;
    return { outcomes, positions };
  }
}

const groups = new WeakMap<Db, GroupCommit>();

export interface WriteGroupStats {
  /** Groups committed (or failed), and the writes they carried. */
  groups: number;
  writes: number;
  /** Writes waiting for a group now, and how long the oldest of them has waited. */
  queued: number;
  oldestWaitMs: number;
}

/** This client's policy writes: how many groups they committed in, and how far behind the queue is. */
export function groupCommitStats(db: Db): WriteGroupStats {
  return groups.get(db)?.stats() ?? { groups: 0, writes: 0, queued: 0, oldestWaitMs: 0 };
}

/** Queues a policy write on this database client's group commit. */
export function submitWrite<R>(db: Db, keys: string[], plan: (view: GroupView) => Plan<R>): Promise<R> {
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new GroupCommit(db)));
  return group.submit(keys, plan);
}
