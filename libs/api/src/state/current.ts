import { ClusterState, type Resource } from '@palisade/engine';
import { CommittedHorizon, readRange, type DbClient, type ResourceEventPayload } from '@palisade/event-store';

/** The policy set and cluster state as the engine sees it, and the log position it reflects. */
export interface CurrentState {
  state: ClusterState;
  position: number;
}

interface Cache {
  current?: CurrentState;
  horizon: CommittedHorizon;
  /** One refresh at a time. */
  running?: Promise<unknown>;
  /** The refresh that starts when the running one ends: callers arriving meanwhile share it. */
  queued?: Promise<CurrentState>;
}

const caches = new WeakMap<DbClient, Cache>();
const PAGE = 1_000;
/** Further behind than this, reloading the projection is cheaper than replaying the log. */
const REPLAY_LIMIT = 20_000;

async function load(db: DbClient): Promise<CurrentState> {
  // The projection's rows and its checkpoint, read in one snapshot, agree with each other.
  return db.$transaction(
    async (tx) => {
      const [checkpoint] = await tx.$queryRaw<{ position: bigint }[]>`SELECT position FROM checkpoints WHERE name = 'domain'`;
      const rows = await tx.$queryRaw<{ resource: Resource }[]>`SELECT resource FROM resources ORDER BY position`;
      return { state: ClusterState.from(rows.map((r) => r.resource)), position: Number(checkpoint?.position ?? 0) };
    },
    { isolationLevel: 'RepeatableRead', timeout: 60_000 },
  );
}

async function refresh(db: DbClient, cache: Cache): Promise<CurrentState> {
  const upTo = await cache.horizon.current(db);
  let current = cache.current ?? (await load(db));
  if (upTo - current.position > REPLAY_LIMIT) current = await load(db);
  // Resource events the state has not seen, below the committed horizon (none can still appear there).
  while (current.position < upTo) {
    const events = await readRange(db, current.position, upTo, PAGE);
    for (const event of events) {
      if (event.streamType !== 'resource') continue;
      const p = event.payload as unknown as ResourceEventPayload;
      if (p.after) current.state.apply({ upsert: p.after });
      else current.state.apply({ delete: { type: p.type, name: p.name, ...(p.namespace ? { namespace: p.namespace } : {}) } });
    }
    current = { state: current.state, position: events.length === PAGE ? events[events.length - 1]!.position : upTo };
  }
  cache.current = current;
  return current;
}

/**
 * The current state for simulation and impact previews, kept in memory and brought up to date
 * from the log on each call (the changes since the last call, applied incrementally), so a
 * request sees every write committed before it.
 */
export function currentState(db: DbClient): Promise<CurrentState> {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = { horizon: new CommittedHorizon() }));
  const c = cache;
  if (c.queued) return c.queued;
  // A refresh already running may have read the horizon before this caller's write: queue another.
  const queued = (c.running ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => {
      c.queued = undefined;
      const run = refresh(db, c).catch((error: unknown) => {
        c.current = undefined; // half-applied: reload next time
        throw error;
      });
      c.running = run;
      return run;
    });
  c.queued = queued;
  return queued;
}
