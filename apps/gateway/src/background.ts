import { domainProjection } from '@palisade/domain';
import { createDbClient, projectBatch, runLoop, sealBatch, type HorizonNotifier } from '@palisade/event-store';
import { runRelay } from '@palisade/outbox';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/**
 * The event log's ordered workers, run beside the API: the sealer (hash chain), the domain
 * projection (read models) and the outbox relay (JetStream, once NATS answers). Each reads up to
 * the process's horizon notifier and sleeps until it reads a newer horizon. Each takes a
 * PostgreSQL lock, so several gateways can run them and only one at a time does the work.
 */
export function startBackground(databaseUrl: string, nats: () => NatsConnection | undefined, log: Logger, horizon: HorizonNotifier): { stop: () => Promise<void> } {
  const database = createDbClient(databaseUrl, { max: 4 });
  const abort = new AbortController();
  const onError = (what: string) => (error: unknown) => log.warn({ err: error }, `${what} failed; retrying`);
  const loops = [
    runLoop(() => sealBatch(database, horizon), { signal: abort.signal, horizon, onError: onError('sealing the event chain') }),
    runLoop(() => projectBatch(database, horizon, domainProjection), { signal: abort.signal, horizon, onError: onError('projecting events') }),
    (async () => {
      while (!abort.signal.aborted && !nats()) await new Promise((r) => setTimeout(r, 500));
      const nc = nats();
      if (!nc || abort.signal.aborted) return;
      await runRelay(database, nc, { databaseUrl, signal: abort.signal, horizon, log: (line) => log.info(line) });
    })().catch(onError('the outbox relay')),
  ];
  return {
    stop: async () => {
      abort.abort();
      await Promise.allSettled(loops);
      await database.close();
    },
  };
}
