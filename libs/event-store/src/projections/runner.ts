import { CommittedHorizon, type HorizonSource } from '../horizon/committed.js';
import type { HorizonNotifier } from '../horizon/notifier.js';
import { logHead, readRange } from '../store/read.js';
import type { Db, RecordedEvent, Tx } from '../store/types.js';

/** A read model kept up to date from the log, in position order, each event applied exactly once. */
export interface Projection {
  /** Its checkpoint's name. */
  name: string;
  apply(tx: Tx, event: RecordedEvent): Promise<void>;
  /** Empties the read model (for a rebuild). */
  reset(tx: Tx): Promise<void>;
}

/** Where a reader (projection, relay) has got to: 0 before its first run. */
export async function readCheckpoint(db: Db | Tx, name: string): Promise<number> {
  const [row] = await db.query<{ position: bigint }[]>`SELECT position FROM checkpoints WHERE name = ${name}`;
  return Number(row?.position ?? 0);
}

/** Moves a checkpoint forward (never back: a slower writer of the same checkpoint cannot undo progress). */
export async function advanceCheckpoint(db: Db | Tx, name: string, position: number): Promise<void> {
  await db.execute`
    INSERT INTO checkpoints (name, position) VALUES (${name}, ${position})
    ON CONFLICT (name) DO UPDATE SET position = GREATEST(checkpoints.position, EXCLUDED.position), updated_at = now()`;
}

/**
 * Puts a checkpoint at a position, back or forth: only for a reader that has proved from another
 * source where it really is (the outbox relay, after comparing the stream with the log).
 */
export async function setCheckpoint(tx: Tx, name: string, position: number): Promise<void> {
  await tx.execute`
    INSERT INTO checkpoints (name, position) VALUES (${name}, ${position})
    ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`;
}

export interface ReaderLag {
  /** Where the reader's checkpoint is. */
  checkpoint: number;
  /** Positions committed (up to the horizon given) that the reader has not passed. */
  behind: number;
  /** When the oldest event it has not passed was recorded (null: it is caught up). */
  oldestPendingAt: Date | null;
}

/** How far a checkpointed reader (projection, relay) trails the committed horizon. */
export async function readerLag(db: Db | Tx, name: string, upTo: number): Promise<ReaderLag> {
  return lagFrom(db, await readCheckpoint(db, name), upTo);
}

/** The lag of any ordered reader that has passed `checkpoint`, against the horizon `upTo`. */
export async function lagFrom(db: Db | Tx, checkpoint: number, upTo: number): Promise<ReaderLag> {
  if (upTo <= checkpoint) return { checkpoint, behind: 0, oldestPendingAt: null };
  const [row] = await db.query<{ recorded_at: Date }[]>`
    SELECT recorded_at FROM events WHERE position > ${checkpoint} AND position <= ${upTo} ORDER BY position LIMIT 1`;
  return { checkpoint, behind: upTo - checkpoint, oldestPendingAt: row?.recorded_at ?? null };
}

async function lockCheckpoint(tx: Tx, name: string): Promise<number> {
  await tx.execute`INSERT INTO checkpoints (name, position) VALUES (${name}, 0) ON CONFLICT (name) DO NOTHING`;
  // The row lock makes one runner at a time advance this projection.
  const [row] = await tx.query<{ position: bigint }[]>`SELECT position FROM checkpoints WHERE name = ${name} FOR UPDATE`;
  return Number(row!.position);
}

/**
 * Applies the next events below the committed horizon, and moves the checkpoint, in one
 * transaction: a crash leaves both as they were, so nothing is applied twice or skipped.
 * Returns how many events it applied.
 */
export async function projectBatch(db: Db, horizon: HorizonSource, projection: Projection, limit = 500): Promise<number> {
  const upTo = await horizon.current(db);
  return db.transaction(
    async (tx) => {
      const from = await lockCheckpoint(tx, projection.name);
      if (from >= upTo) return 0;
      const events = await readRange(tx, from, upTo, limit);
      for (const event of events) await projection.apply(tx, event);
      // With no event in (from, upTo] (gaps), the checkpoint still moves to the horizon.
      const to = events.length === limit ? events[events.length - 1]!.position : upTo;
      await tx.execute`UPDATE checkpoints SET position = ${to}, updated_at = now() WHERE name = ${projection.name}`;
      return events.length;
    },
    { timeout: 120_000 },
  );
}

/** Runs batches until the projection has applied every event committed when it was called. */
export async function catchUp(db: Db, projection: Projection, horizon = new CommittedHorizon()): Promise<number> {
  const target = await logHead(db);
  let total = 0;
  for (;;) {
    const n = await projectBatch(db, horizon, projection);
    total += n;
    if (n > 0) continue;
    if ((await readCheckpoint(db, projection.name)) >= target) return total;
    await sleep(20);
  }
}

/** Empties the read model and replays the whole log into it. */
export async function rebuild(db: Db, projection: Projection): Promise<number> {
  await db.transaction(async (tx) => {
    await lockCheckpoint(tx, projection.name);
    await projection.reset(tx);
    await tx.execute`UPDATE checkpoints SET position = 0, updated_at = now() WHERE name = ${projection.name}`;
  });
  return catchUp(db, projection);
}

export interface RunOptions {
  signal: AbortSignal;
  /** How long to sleep when caught up, without a notifier. */
  idleMs?: number;
  /** When caught up, wait for this to read a newer horizon instead of sleeping. */
  horizon?: HorizonNotifier;
  onError?: (error: unknown) => void;
}

/** Keeps a projection (or any ordered batch worker) running until the signal aborts. */
export async function runLoop(step: () => Promise<number>, options: RunOptions): Promise<void> {
  const { horizon, signal } = options;
  while (!signal.aborted) {
    // The step reads at least this far: waiting for a newer horizon cannot miss a wake-up.
    const seen = horizon?.latest ?? 0;
    let n = 0;
    try {
      n = await step();
    } catch (error) {
      options.onError?.(error);
      await sleep(1_000, signal);
      continue;
    }
    if (n > 0) continue;
    if (horizon && !horizon.closed) await horizon.waitFor(seen, signal);
    else await sleep(options.idleMs ?? 100, signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
