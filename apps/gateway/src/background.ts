import { domainProjection, snapshotLag, takeSnapshot } from '@palisade/domain';
import { createDbClient, type EventKey, projectBatch, readerLag, runLoop, sealBatch, sealerLag, type HorizonNotifier, type ReaderLag } from '@palisade/event-store';
import { desiredStatePublisher, newRelayStatus, RELAY_CHECKPOINT, runAnchors, runRelay, type DesiredPublisherStatus, type RelayStatus } from '@palisade/outbox';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export type LoopName = 'sealer' | 'projection' | 'outbox' | 'snapshotter';

export interface Background {
  /** The relay in this process (standby when another process holds its lock). */
  relay: RelayStatus;
  /** How far this process has published desired releases to agents. */
  readonly desired: DesiredPublisherStatus;
  /** The committed horizon the loops read up to. */
  horizonLatest(): number;
  /** How far each loop trails the committed horizon, from the database (whichever process runs it). */
  lag(): Promise<Record<LoopName, ReaderLag>>;
  /** The outbox's alone (what readiness asks, on every probe). */
  outboxLag(): Promise<ReaderLag>;
  stop(): Promise<void>;
}

/**
 * The event log's ordered workers, run beside the API: the sealer (hash chain), the domain
 * projection (read models), the snapshotter (the resource set every few thousand positions, which
 * as-of queries start from), the outbox relay (JetStream, once NATS answers) and the chain
 * anchors (the chain's head on JetStream, every 10 s when it moved) and the desired releases
 * agents converge to (KV PALISADE_DESIRED, with each release's content). Each reads up to
 * the process's horizon notifier and sleeps until it reads a newer horizon. Each takes a
 * PostgreSQL lock per round, so several gateways can run them and only one at a time does the
 * work, and none holds a connection between rounds: a database restart costs a failed round.
 */
export function startBackground(
  databaseUrl: string,
  nats: () => NatsConnection | undefined,
  log: Logger,
  horizon: HorizonNotifier,
  options: { anchorEveryMs?: number; eventKey?: EventKey } = {},
): Background {
  const database = createDbClient(databaseUrl, { max: 4, ...(options.eventKey ? { eventKey: options.eventKey } : {}) });
  const abort = new AbortController();
  const relay = newRelayStatus();
  let desired: DesiredPublisherStatus = { position: 0, published: 0 };
  const onError = (what: string) => (error: unknown) => log.warn({ err: error }, `${what} failed; retrying`);
  const loops = [
    runLoop(() => sealBatch(database, horizon), { signal: abort.signal, horizon, onError: onError('sealing the event chain') }),
    runLoop(() => projectBatch(database, horizon, domainProjection), { signal: abort.signal, horizon, onError: onError('projecting events') }),
    runLoop(() => takeSnapshot(database, horizon), { signal: abort.signal, horizon, onError: onError('taking a resource snapshot') }),
    (async () => {
      while (!abort.signal.aborted && !nats()) await new Promise((r) => setTimeout(r, 500));
      const nc = nats();
      if (!nc || abort.signal.aborted) return;
      await runRelay(database, nc, {
        signal: abort.signal,
        horizon,
        status: relay,
        // A foreign message on the stream is an alert, not news.
        log: (line) => (line.includes('ALERT') ? log.error(line) : log.info(line)),
      });
    })().catch(onError('the outbox relay')),
    (async () => {
      while (!abort.signal.aborted && !nats()) await new Promise((r) => setTimeout(r, 500));
      const nc = nats();
      if (!nc || abort.signal.aborted) return;
      await runAnchors(database, nc, { signal: abort.signal, log: (line) => log.warn(line), ...(options.anchorEveryMs ? { everyMs: options.anchorEveryMs } : {}) });
    })().catch(onError('publishing chain anchors')),
    (async () => {
      while (!abort.signal.aborted && !nats()) await new Promise((r) => setTimeout(r, 500));
      const nc = nats();
      if (!nc || abort.signal.aborted) return;
      const publisher = desiredStatePublisher(database, nc, horizon);
      desired = publisher.status;
      await runLoop(publisher.step, { signal: abort.signal, horizon, onError: onError('publishing desired releases to agents') });
    })().catch(onError('publishing desired releases to agents')),
  ];
  return {
    relay,
    get desired() {
      return desired;
    },
    horizonLatest: () => horizon.latest,
    lag: async () => {
      const upTo = horizon.latest;
      const [sealer, projection, outbox, snapshotter] = await Promise.all([
        sealerLag(database, upTo),
        readerLag(database, domainProjection.name, upTo),
        readerLag(database, RELAY_CHECKPOINT, upTo),
        snapshotLag(database, upTo),
      ]);
      return { sealer, projection, outbox, snapshotter };
    },
    outboxLag: () => readerLag(database, RELAY_CHECKPOINT, horizon.latest),
    stop: async () => {
      abort.abort();
      await Promise.allSettled(loops);
      await database.close();
    },
  };
}
