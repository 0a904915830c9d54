import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { NativeConnection, Worker, type Logger as TemporalLogger } from '@temporalio/worker';
import type { NatsConnection } from '@nats-io/transport-node';
import { createActivities } from './activities.js';
import { createRolloutActivities } from './rollout/activities.js';

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  version: string;
  identity?: string;
  /** The NATS connection rollout activities talk to the gateway over (absent until connected). */
  nats?: () => NatsConnection | undefined;
}

/** The workflow sources: dist/workflows/index.js when built, src/workflows/index.ts in tests. */
export function workflowsPath(): string {
  for (const candidate of ['./workflows/index.js', './workflows/index.ts']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('workflow sources not found next to worker.js');
}

/** Connects to Temporal and creates (but does not run) a worker for the given task queue. */
export async function createWorker(options: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: options.address });
  const identity = options.identity ?? `palisade-worker/${process.pid}@${hostname()}`;
  try {
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      identity,
      workflowsPath: workflowsPath(),
      // No tracing interceptors: with Temporal's workflow interceptors, a history recorded with an
      // update that starts a child workflow (an approval) failed to replay (TMPRL1100), so a worker
      // restart could break a rollout. The trace travels as workflow input instead, and each
      // rollout activity opens its own span under it (rollout/activities.ts).
      activities: { ...createActivities({ identity, version: options.version }), ...createRolloutActivities(options.nats ?? (() => undefined)) },
    });
    return { worker, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

export type { TemporalLogger };
