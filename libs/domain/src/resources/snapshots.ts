import type { Resource } from '@palisade/engine';
import { lagFrom, type Db, type EventAuthProblem, type HorizonSource, type ReaderLag, type Tx } from '@palisade/event-store';

/**
 * Log positions between two snapshots. An as-of query replays at most this many positions after
 * the nearest snapshot (a range scan of the log's primary key, about 3 ms per thousand on the
 * bench machine), next to reading the snapshot itself (about 18 ms for 10,000 resources, 2 MB of
 * JSON). PostgreSQL compresses that to about 90 KB, so at 2,000 a million events keep about
 * 45 MiB of snapshots, and taking one (about 90 ms at 10,000 resources) costs a few percent of a
 * core at a thousand writes a second.
 */
export const SNAPSHOT_INTERVAL = 2_000;

/**
 * Past this many positions after the nearest snapshot (none taken yet, or the snapshots are
 * behind), replaying costs more than probing each resource stream: as-of falls back to the probe.
 */
const REPLAY_LIMIT = 2 * SNAPSHOT_INTERVAL;

/** One lock per database for whoever takes snapshots (several gateways may run the loop). */
const SNAPSHOT_LOCK = 'palisade.resource_snapshots';

const SNAPSHOT_KIND = 'resource-snapshot';

/** A snapshot that a reader holding the event key cannot vouch for. */
export class SnapshotAuthError extends Error {
  override readonly name = 'SnapshotAuthError';
  constructor(
    readonly position: number,
    readonly problem: EventAuthProblem,
  ) {
    super(`the resource snapshot at position ${position} has ${problem}: it was not written by a Palisade writer holding the event key`);
  }
}

/**
 * The newest snapshot at or before `position` (none: the empty set at 0). A client holding the
 * event key checks the snapshot's MAC first and throws SnapshotAuthError when it fails.
 */
async function snapshotAtOrBefore(db: Db | Tx, position: number): Promise<{ resources: Map<string, Resource>; position: number }> {
  const [row] = await db.query<{ position: bigint; resources: string; mac: string | null }[]>`
    SELECT position, resources, mac FROM resource_snapshots WHERE position <= ${position} ORDER BY position DESC LIMIT 1`;
  if (!row) return { resources: new Map(), position: 0 };
  const at = Number(row.position);
  const problem = db.eventKey?.checkDerived(SNAPSHOT_KIND, at, row.resources, row.mac);
  if (problem) throw new SnapshotAuthError(at, problem);
  return { resources: new Map(JSON.parse(row.resources) as [string, Resource][]), position: at };
}

async function newestSnapshotPosition(db: Db | Tx): Promise<number> {
  const [row] = await db.query<{ position: bigint | null }[]>`SELECT max(position) AS position FROM resource_snapshots`;
  return Number(row?.position ?? 0);
}

/**
 * What the resource events in (after, upTo] leave: each stream's last event, its resource or
 * null for a deletion. One range scan of the log, whatever else the range holds.
 */
async function lastResourceEvents(db: Db | Tx, after: number, upTo: number): Promise<{ key: string; after: Resource | null }[]> {
  if (upTo <= after) return [];
  return db.query<{ key: string; after: Resource | null }[]>`
    SELECT DISTINCT ON (stream_id) payload->>'key' AS key, payload->'after' AS after
    FROM events WHERE position > ${after} AND position <= ${upTo} AND stream_type = 'resource'
    ORDER BY stream_id, position DESC`;
}

/** The same entries in key order (as-of answers are sorted). */
export function sortedByKey(resources: Map<string, Resource>): Map<string, Resource> {
  return new Map([...resources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The whole resource set at `position` from the nearest snapshot and the events after it;
 * undefined when that means replaying more than `replayLimit` positions, or when the client
 * holds the event key and the snapshot's MAC fails (the caller probes the
 * streams instead). The answer equals the probe's for every position (snapshots.test.ts).
 */
export async function resourcesFromSnapshot(db: Db | Tx, position: number, replayLimit = REPLAY_LIMIT): Promise<Map<string, Resource> | undefined> {
  // One query, not a probe for the position first: reading the snapshot is most of the cost
  // (running the replay beside it measured slower on two cores).
  let base: Awaited<ReturnType<typeof snapshotAtOrBefore>>;
  try {
    base = await snapshotAtOrBefore(db, position);
  } catch (error) {
    // A snapshot the key cannot vouch for is not used: the probe answers from the log itself (the
    // snapshotter refuses to build on it and reports it: see the runbook).
    if (error instanceof SnapshotAuthError) return undefined;
    throw error;
  }
  if (position - base.position > replayLimit) return undefined;
  const { resources } = base;
  const changes = await lastResourceEvents(db, base.position, position);
  let added = false;
  for (const { key, after } of changes) {
    if (!after) resources.delete(key);
    else {
      added ||= !resources.has(key);
      resources.set(key, after);
    }
  }
  // A snapshot is stored sorted; only a key it did not have can put the map out of order.
  return added ? sortedByKey(resources) : resources;
}

export interface SnapshotOptions {
  /** Positions between snapshots (tests use small ones). */
  interval?: number;
}

/**
 * Takes the next snapshot when the committed horizon is at least one interval past the newest
 * one: at newest + interval exactly, built from the newest snapshot and the events after it.
 * Only committed positions are read (a position below the horizon can no longer appear), so a
 * snapshot never misses an event that commits later. Returns 1 when it took one, 0 otherwise
 * (another process holds the lock, or none is due), so runLoop keeps calling while behind.
 */
export async function takeSnapshot(db: Db, horizon: HorizonSource, options: SnapshotOptions = {}): Promise<number> {
  const interval = options.interval ?? SNAPSHOT_INTERVAL;
  const upTo = await horizon.current(db);
  return db.transaction(
    async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${SNAPSHOT_LOCK})) AS locked`;
      if (!lock?.locked) return 0;
      const newest = await newestSnapshotPosition(tx);
      const target = newest + interval;
      if (target > upTo) return 0;
      const base = await snapshotAtOrBefore(tx, newest);
      for (const { key, after } of await lastResourceEvents(tx, newest, target)) {
        if (after) base.resources.set(key, after);
        else base.resources.delete(key);
      }
      const resources = sortedByKey(base.resources);
      const text = JSON.stringify([...resources]);
      const mac = db.eventKey?.signDerived(SNAPSHOT_KIND, target, text) ?? null;
      await tx.execute`
        INSERT INTO resource_snapshots (position, resources, resource_count, mac)
        VALUES (${target}, ${text}, ${resources.size}, ${mac})
        ON CONFLICT (position) DO NOTHING`;
      return 1;
    },
    { timeout: 120_000 },
  );
}

/**
 * How far the snapshots trail: positions committed past the one at which the next snapshot was
 * due (0 while on schedule; the newest snapshot is normally up to one interval behind the head).
 */
export async function snapshotLag(db: Db | Tx, upTo: number, options: SnapshotOptions = {}): Promise<ReaderLag> {
  return lagFrom(db, (await newestSnapshotPosition(db)) + (options.interval ?? SNAPSHOT_INTERVAL), upTo);
}
