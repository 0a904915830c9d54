import { ClusterState } from '@palisade/engine';
import { loadPolicySet, policySetChanges } from '@palisade/domain';
import { CommittedHorizon, type DbClient, type HorizonNotifier } from '@palisade/event-store';

/** The policy set and cluster state as the engine sees it, and the log position it reflects. */
export interface CurrentState {
  state: ClusterState;
  position: number;
}

interface Cache {
  current?: CurrentState;
  /** A read of the horizon that starts after the call, so the caller's own writes are below it. */
  freshHorizon: () => Promise<number>;
  /** One refresh at a time. */
  running?: Promise<unknown>;
  /** The refresh that starts when the running one ends: callers arriving meanwhile share it. */
  queued?: Promise<CurrentState>;
}

const caches = new WeakMap<DbClient, Cache>();
/** Further behind than this, reloading the policy set is cheaper than replaying the log. */
const REPLAY_LIMIT = 20_000;

async function load(db: DbClient, upTo: number): Promise<CurrentState> {
  const set = await loadPolicySet(db, upTo);
  return { state: ClusterState.from(set.resources), position: set.position };
}

async function refresh(db: DbClient, cache: Cache): Promise<CurrentState> {
  const upTo = await cache.freshHorizon();
  let current = cache.current ?? (await load(db, upTo));
  if (upTo - current.position > REPLAY_LIMIT) current = await load(db, upTo);
  // Changes the state has not seen, below the committed horizon (none can still appear there).
  while (current.position < upTo) {
    const page = await policySetChanges(db, current.position, upTo);
    for (const change of page.changes) current.state.apply(change);
    current = { state: current.state, position: page.position };
  }
  cache.current = current;
  return current;
}

/**
 * The current state for simulation and impact previews, kept in memory and brought up to date
 * from the log on each call (the changes since the last call, applied incrementally), so a
 * request sees every write committed before it.
 */
export function currentState(db: DbClient, notifier?: HorizonNotifier): Promise<CurrentState> {
  let cache = caches.get(db);
  if (!cache) {
    // Without the process's notifier (tests), a horizon of its own, read on each call.
    const own = new CommittedHorizon();
    caches.set(db, (cache = { freshHorizon: notifier ? () => notifier.fresh() : () => own.current(db) }));
  }
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
