import type { NatsConnection } from '@nats-io/transport-node';
import { ensureStream, publishInOrder, streams } from '@palisade/bus';
import { readCheckpoint, readRange, setCheckpoint, sleep, type Db, type HorizonNotifier } from '@palisade/event-store';
import { eventMessage } from './message.js';
import { reconcile, RELAY_CHECKPOINT } from './reconcile.js';
import { newRelayStatus, type RelayStatus } from './status.js';

/** Only one relay publishes at a time (the others stand by): order needs a single writer. */
const RELAY_LOCK = 72707371;

export interface RelayOptions {
  signal: AbortSignal;
  /** The process's horizon notifier: the relay reads below it and wakes when it moves. */
  horizon: HorizonNotifier;
  /** Events per round (default 500). */
  batch?: number;
  log?: (line: string) => void;
  /** Updated in place as the relay runs (metrics, readiness). */
  status?: RelayStatus;
  /** Called after each round that published, with the position published up to. */
  onProgress?: (position: number) => void;
}

interface Session {
  /** The stream's last message as this relay knows it; undefined: compare the stream with the log first. */
  lastId: string | undefined;
  verified: boolean;
}

/**
 * Publishes committed events to JetStream in position order, at least once, with the event id as
 * the message id (so JetStream keeps one copy), until the signal aborts.
 *
 * Each round is one short transaction that takes the relay's advisory lock (so one relay publishes
 * at a time, whichever process it is in), reads the relay's checkpoint, publishes the next events
 * below the committed horizon and moves the checkpoint past what JetStream stored. No connection is
 * held between rounds: PostgreSQL restarting or a backend being terminated costs one failed round,
 * and the next one takes the lock again on a fresh connection. Progress comes from the checkpoint,
 * which only the relay writes; what is on the stream is checked against the log, never believed
 * (see reconcile). When NATS is away the round fails and is retried: nothing is lost or reordered.
 */
export async function runRelay(db: Db, nc: NatsConnection, options: RelayOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const status = options.status ?? newRelayStatus();
  const session: Session = { lastId: undefined, verified: false };
  let streamReady = false;
  let backoff = 500;
  while (!options.signal.aborted) {
    const seen = options.horizon.latest;
    try {
      if (!streamReady) {
        await ensureStream(nc, streams.events);
        streamReady = true;
      }
      const round = await relayRound(db, nc, options, session, status, log);
      status.lastRoundAt = Date.now();
      status.lastError = null;
      backoff = 500;
      if (round.error) throw round.error;
      if (round.published > 0) {
        options.onProgress?.(status.publishedUpTo);
        continue;
      }
      // A standby looks again every second, new events or not: the lock holder may have gone
      // away leaving events unpublished. Caught up, the relay waits for the horizon to move.
      if (round.standby) await sleep(1_000, options.signal);
      else await options.horizon.waitFor(seen, options.signal);
    } catch (error) {
      status.state = 'retrying';
      status.lastError = error instanceof Error ? error.message : String(error);
      log(`outbox relay: ${status.lastError}; retrying in ${backoff} ms`);
      session.verified = false;
      streamReady = false;
      await sleep(backoff, options.signal);
      backoff = Math.min(backoff * 2, 10_000);
    }
  }
  status.state = 'stopped';
}

async function relayRound(
  db: Db,
  nc: NatsConnection,
  options: RelayOptions,
  session: Session,
  status: RelayStatus,
  log: (line: string) => void,
): Promise<{ published: number; standby?: boolean; error?: unknown }> {
  const upTo = await options.horizon.current();
  return db.transaction(
    async (tx) => {
      const [lock] = await tx.query<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RELAY_LOCK}) AS ok`;
      if (!lock?.ok) {
        status.state = 'standby';
        // Whoever holds the lock now may publish: what this relay knew of the stream is stale.
        session.verified = false;
        return { published: 0, standby: true };
      }
      status.state = 'publishing';
      let from: number;
      if (!session.verified) {
        const found = await reconcile(tx, nc, status, log);
        session.lastId = found.lastId;
        session.verified = true;
        from = found.checkpoint;
      } else {
        from = await readCheckpoint(tx, RELAY_CHECKPOINT);
      }
      status.publishedUpTo = from;
      if (from >= upTo) return { published: 0 };
      const events = await readRange(tx, from, upTo, options.batch ?? 500);
      if (events.length === 0) {
        // Positions no event holds (rolled-back appends): step over them.
        await setCheckpoint(tx, RELAY_CHECKPOINT, upTo);
        status.publishedUpTo = upTo;
        return { published: 0 };
      }
      const { stored, error } = await publishInOrder(nc, events.map(eventMessage), session.lastId);
      if (stored > 0) {
        const last = events[stored - 1]!;
        await setCheckpoint(tx, RELAY_CHECKPOINT, last.position);
        session.lastId = last.id;
        status.publishedUpTo = last.position;
      }
      return { published: stored, ...(error ? { error: new Error(`publishing stopped after ${stored} of ${events.length} events: ${error instanceof Error ? error.message : String(error)}`) } : {}) };
    },
    { timeout: 60_000 },
  );
}
