import { readFileSync } from 'node:fs';
import { ConfigError, parseEnv, serviceEnvShape, TASK_QUEUES } from '@palisade/contracts';
import { createWorker } from './worker.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  let config;
  try {
    // The worker holds no database credentials: it talks to Temporal (and, later, NATS) only.
    const { DATABASE_URL: _database, ...shape } = serviceEnvShape;
    config = parseEnv('worker', shape, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  let created;
  try {
    created = await createWorker({ address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: TASK_QUEUES.rollouts, version: VERSION });
  } catch (error) {
    console.error(`worker: cannot start against Temporal at ${config.TEMPORAL_ADDRESS}: ${(error as Error).message}`);
    process.exit(1);
  }
  const { worker, connection } = created;
  // Worker.run() returns once shutdown() has drained in-flight tasks (the SDK handles SIGINT/SIGTERM).
  console.log(JSON.stringify({ level: 'info', service: 'worker', msg: 'polling', taskQueue: TASK_QUEUES.rollouts, namespace: config.TEMPORAL_NAMESPACE }));
  await worker.run();
  await connection.close();
}

void main();
