import { CommittedHorizon, createDbClient, domainProjection, projectBatch, runLoop, runRelay, sealBatch } from '@palisade/event-store';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/**
 * The event log's ordered workers, run beside the API: the sealer (hash chain), the domain
 * projection (read models) and the outbox relay (JetStream, once NATS answers). Each takes a
 * PostgreSQL lock, so several gateways can run them and only one at a time does the work.
 */
export function startBackground(databaseUrl: string, nats: () => NatsConnection | undefined, log: Logger): { stop: () => Promise<void> } {
  const prisma = createDbClient(databaseUrl, { max: 4 });
  const abort = new AbortController();
  const onError = (what: string) => (error: unknown) => log.warn({ err: error }, `${what} failed; retrying`);
  const sealer = new CommittedHorizon();
  const projector = new CommittedHorizon();
  const loops = [
    runLoop(() => sealBatch(prisma, sealer), { signal: abort.signal, idleMs: 200, onError: onError('sealing the event chain') }),
    runLoop(() => projectBatch(prisma, projector, domainProjection), { signal: abort.signal, idleMs: 100, onError: onError('projecting events') }),
    (async () => {
      while (!abort.signal.aborted && !nats()) await new Promise((r) => setTimeout(r, 500));
      const nc = nats();
      if (!nc || abort.signal.aborted) return;
      await runRelay(prisma, nc, { databaseUrl, signal: abort.signal, log: (line) => log.info(line) });
    })().catch(onError('the outbox relay')),
  ];
  return {
    stop: async () => {
      abort.abort();
      await Promise.allSettled(loops);
      await prisma.$disconnect();
    },
  };
}
