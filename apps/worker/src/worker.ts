import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { NativeConnection, Worker, type Logger as TemporalLogger } from '@temporalio/worker';
import type { NatsConnection } from '@nats-io/transport-node';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry/lib/plugin.js';
import type { Tracing } from '@palisade/telemetry';
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
  tracing: Pick<Tracing, 'processor' | 'resource'>;
}

/**
 * Workflows, activities and the workflows' own client calls in spans that continue the trace a
 * workflow was started in (from its headers); workflow spans leave the sandbox through a sink.
 * Installed whether or not tracing is on (its processor is then a no-op), so what a workflow task
 * does never depends on an exporter setting: the recorded histories replay with it.
 */
export function tracingPlugin(tracing: Pick<Tracing, 'processor' | 'resource'>): OpenTelemetryPlugin {
  return new OpenTelemetryPlugin({ spanProcessor: tracing.processor, resource: tracing.resource });
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
      plugins: [tracingPlugin(options.tracing)],
      activities: { ...createActivities({ identity, version: options.version }), ...createRolloutActivities(options.nats ?? (() => undefined)) },
    });
    return { worker, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

export type { TemporalLogger };
