import { readFileSync } from 'node:fs';
import { ConfigError, envFields, parseEnv, serviceEnvShape } from '@palisade/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '@palisade/bus';
import { serveWorkerMetrics } from './metrics.js';
import { startTracing, TelemetryConfigError, type Tracing } from '@palisade/telemetry';
import { createWorker } from './worker.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  let config;
  let tracing: Tracing;
  try {
    // The worker holds no database credentials: it talks to Temporal, and to the gateway over NATS.
    const { DATABASE_URL: _database, ...shape } = serviceEnvShape;
    config = parseEnv('worker', { ...shape, WORKER_METRICS_PORT: envFields.port.optional() }, process.env);
    tracing = startTracing('palisade-worker', { version: VERSION });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof TelemetryConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  // NATS carries the rollout activities' requests to the gateway; it may come up after the worker.
  let nats: NatsConnection | undefined;
  void (async () => {
    for (let delay = 500; !nats; delay = Math.min(delay * 2, 10_000)) {
      try {
        nats = await connectBus({ url: config.NATS_URL, name: 'palisade-worker' });
      } catch (error) {
        console.error(JSON.stringify({ level: 'warn', service: 'worker', msg: 'NATS is not reachable yet; retrying', error: (error as Error).message, retryInMs: delay }));
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  })();
  let created;
  try {
    created = await createWorker({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, version: VERSION, nats: () => nats });
  } catch (error) {
    console.error(`worker: cannot start against Temporal at ${config.TEMPORAL_ADDRESS}: ${(error as Error).message}`);
    process.exit(1);
  }
  const { worker, connection } = created;
  // Prometheus scrapes the worker here when a port is given (off by default: the local stack runs none).
  const metrics = config.WORKER_METRICS_PORT
    ? await serveWorkerMetrics({ status: () => worker.getStatus(), natsConnected: () => !!nats && !nats.isClosed() }, config.WORKER_METRICS_PORT, process.env['WORKER_METRICS_HOST'] || '127.0.0.1')
    : undefined;
  // Worker.run() returns once shutdown() has drained in-flight tasks (the SDK handles SIGINT/SIGTERM).
  console.log(JSON.stringify({ level: 'info', service: 'worker', msg: 'polling', taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }));
  await worker.run();
  metrics?.close();
  await connection.close();
  await nats?.drain().catch(() => undefined);
  await tracing.shutdown().catch(() => undefined);
}

void main();
