import { connectBus, ensureStream, streams } from '@palisade/bus';
import { redactUrl, summarize, type DependencyCheck, type DependencyName, type HealthReport } from '@palisade/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Connection } from '@temporalio/client';
import pg from 'pg';
import { createDbClient, type DbClient, type EventKey } from '@palisade/event-store';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * The gateway's long-lived clients. The gateway starts even when NATS or Temporal is down and
 * reports itself unready until they answer, as a Kubernetes readiness probe expects.
 */
export interface Dependencies {
  pool: pg.Pool;
  /** The event store's client: the API's procedures and token checks use it. */
  database: DbClient;
  temporal: Connection;
  /** The NATS connection once established; undefined while still connecting. */
  nats: () => NatsConnection | undefined;
  health: () => Promise<HealthReport>;
  /** Adds a check to the readiness report (what the process itself runs, e.g. the outbox). */
  addCheck: (name: DependencyName, target: string, required: boolean, check: () => Promise<string>) => void;
  close: () => Promise<void>;
}

export function openDependencies(config: GatewayConfig, log: Logger, meta: { version: string; startedAt: string }, eventKey?: EventKey): Dependencies {
  const database = createDbClient(config.DATABASE_URL, { max: 8, ...(eventKey ? { eventKey } : {}) });
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 5, idleTimeoutMillis: 30_000, connectionTimeoutMillis: CHECK_TIMEOUT_MS });
  pool.on('error', (error) => log.warn({ err: error }, 'postgres pool error'));
  const temporal = Connection.lazy({ address: config.TEMPORAL_ADDRESS, connectTimeout: CHECK_TIMEOUT_MS });

  let nats: NatsConnection | undefined;
  let natsError = 'connecting';
  let closed = false;
  const connectNats = async (): Promise<void> => {
    while (!closed && !nats) {
      try {
        const nc = await connectBus({ url: config.NATS_URL, name: 'palisade-gateway' });
        await ensureStream(nc, streams.events);
        nats = nc;
        log.info({ nats: redactUrl(config.NATS_URL) }, 'connected to NATS');
      } catch (error) {
        natsError = error instanceof Error ? error.message : String(error);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  };
  void connectNats();

  const timed = async (name: DependencyName, target: string, required: boolean, check: () => Promise<string>): Promise<DependencyCheck> => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const detail = await Promise.race([
        check(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
      return { name, ok: true, required, target, latencyMs: Math.round(performance.now() - started), detail };
    } catch (error) {
      return { name, ok: false, required, target, latencyMs: Math.round(performance.now() - started), detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  };

  const extra: (() => Promise<DependencyCheck>)[] = [];
  const health = async (): Promise<HealthReport> => {
    const checks = await Promise.all([
      timed('postgres', redactUrl(config.DATABASE_URL), true, async () => {
        const result = await pool.query<{ v: string }>("select current_setting('server_version') as v");
        return `PostgreSQL ${result.rows[0]?.v ?? '?'}`;
      }),
      timed('nats', redactUrl(config.NATS_URL), true, async () => {
        if (!nats) throw new Error(natsError);
        const jsm = await jetstreamManager(nats, { timeout: CHECK_TIMEOUT_MS });
        const account = await jsm.getAccountInfo();
        return `NATS ${nats.info?.version ?? '?'}, JetStream with ${account.streams} stream(s)`;
      }),
      timed('temporal', config.TEMPORAL_ADDRESS, true, async () => {
        const info = await temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => temporal.workflowService.getSystemInfo({}));
        return `Temporal ${info.serverVersion}, namespace ${config.TEMPORAL_NAMESPACE}`;
      }),
      timed('worker', `${config.TEMPORAL_NAMESPACE}/${config.TEMPORAL_TASK_QUEUE}`, false, async () => {
        const queue = await temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
          temporal.workflowService.describeTaskQueue({ namespace: config.TEMPORAL_NAMESPACE, taskQueue: { name: config.TEMPORAL_TASK_QUEUE }, taskQueueType: 1 }),
        );
        const pollers = queue.pollers?.length ?? 0;
        if (pollers === 0) throw new Error(`no worker is polling task queue ${config.TEMPORAL_TASK_QUEUE}`);
        return `${pollers} worker poller(s) on ${config.TEMPORAL_TASK_QUEUE}`;
      }),
      ...extra.map((check) => check()),
    ]);
    return { status: summarize(checks), service: 'gateway', version: meta.version, startedAt: meta.startedAt, checks };
  };

  return {
    pool,
    database,
    temporal,
    nats: () => nats,
    health,
    addCheck: (name, target, required, check) => extra.push(() => timed(name, target, required, check)),
    close: async () => {
      closed = true;
      await Promise.allSettled([nats?.drain(), pool.end(), database.close(), temporal.close()]);
    },
  };
}
