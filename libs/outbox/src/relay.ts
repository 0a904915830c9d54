import pg from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureStream, publishInOrder, streams, streamTail, subjects } from '@palisade/bus';
import { advanceCheckpoint, readCheckpoint, readRange, sleep, startHorizonNotifier, type Db, type HorizonNotifier, type RecordedEvent } from '@palisade/event-store';

export const RELAY_CHECKPOINT = 'outbox-relay';
/** Only one relay publishes at a time (the others wait): order needs a single writer. */
const RELAY_LOCK = 72707371;
export const POSITION_HEADER = 'Palisade-Position';

/** What goes on the bus for one event: everything but the payload's size limits changes nothing. */
export function eventMessage(event: RecordedEvent) {
  return {
    subject: subjects.event(event.streamType, event.streamId),
    id: event.id,
    data: JSON.stringify({ ...event, recordedAt: event.recordedAt.toISOString() }),
    headers: { [POSITION_HEADER]: String(event.position) },
  };
}

export interface RelayOptions {
  databaseUrl: string;
  signal: AbortSignal;
  /** Events per round (default 500). */
  batch?: number;
  /** The process's horizon notifier: the relay wakes when it reads a newer horizon (without one, the relay runs its own). */
  horizon?: HorizonNotifier;
  log?: (line: string) => void;
  /** Called after each round with the position published up to. */
  onProgress?: (position: number) => void;
}

/**
 * Publishes committed events to JetStream in position order, at least once, with the event id as
 * the message id, until the signal aborts. It takes a PostgreSQL advisory lock so one relay
 * publishes at a time, resumes from the stream's last message (or its checkpoint, whichever is
 * further), reads only below the committed horizon (never skipping a late commit), and when NATS
 * is away it waits and resumes: nothing is lost, nothing is reordered.
 */
export async function runRelay(db: Db, nc: NatsConnection, options: RelayOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const lock = new pg.Client({ connectionString: options.databaseUrl });
  await lock.connect();
  try {
    while (!options.signal.aborted) {
      const { rows } = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK]);
      if (rows[0]?.ok) break;
      await sleep(500, options.signal);
    }
    if (options.signal.aborted) return;
    const horizon = options.horizon ?? startHorizonNotifier(db, { onError: (what, error) => log(`outbox relay: ${what}: ${error instanceof Error ? error.message : String(error)}`) });
    try {
      await publishUntilAborted(db, nc, horizon, options, log);
    } finally {
      if (!options.horizon) await horizon.close();
    }
  } finally {
    await lock.end().catch(() => undefined);
  }
}

async function publishUntilAborted(db: Db, nc: NatsConnection, horizon: HorizonNotifier, options: RelayOptions, log: (line: string) => void): Promise<void> {
  let resume: { position: number; lastId: string | undefined } | undefined;
  while (!options.signal.aborted) {
    try {
      if (!resume) {
        await ensureStream(nc, streams.events);
        resume = await resumePoint(db, nc);
        log(`outbox relay: resuming after position ${resume.position}`);
      }
      const upTo = await horizon.current();
      const events = await readRange(db, resume.position, upTo, options.batch ?? 500);
      if (events.length === 0) {
        await horizon.waitFor(upTo, options.signal);
        continue;
      }
      const { stored, error } = await publishInOrder(nc, events.map(eventMessage), resume.lastId);
      if (stored > 0) {
        const last = events[stored - 1]!;
        resume = { position: last.position, lastId: last.id };
        await advanceCheckpoint(db, RELAY_CHECKPOINT, last.position);
        options.onProgress?.(last.position);
      }
      if (error) {
        log(`outbox relay: publishing stopped after ${stored} of ${events.length} (${error instanceof Error ? error.message : String(error)}); resuming from the stream's tail`);
        resume = undefined;
        await sleep(500, options.signal);
      }
    } catch (error) {
      log(`outbox relay: ${error instanceof Error ? error.message : String(error)}; retrying`);
      resume = undefined;
      await sleep(1_000, options.signal);
    }
  }
}

/** Where to start: after the stream's last message, or the checkpoint if that is further (a purged stream). */
async function resumePoint(db: Db, nc: NatsConnection): Promise<{ position: number; lastId: string | undefined }> {
  const tail = await streamTail(nc, streams.events.name);
  const checkpoint = await readCheckpoint(db, RELAY_CHECKPOINT);
  const published = Number(tail.headers[POSITION_HEADER] ?? 0);
  if (published >= checkpoint) return { position: published, lastId: tail.id };
  return { position: checkpoint, lastId: tail.id };
}
