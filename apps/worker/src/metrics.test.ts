import { afterAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import { serveWorkerMetrics } from './metrics.js';

describe('the worker metrics endpoint', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('reports what Temporal and NATS say of the worker, in the exposition format, and nothing else', async () => {
    let connected = true;
    server = await serveWorkerMetrics(
      { status: () => ({ runState: 'RUNNING', numInFlightActivities: 2, numInFlightWorkflowActivations: 1, numCachedWorkflows: 7 }), natsConnected: () => connected },
      0,
      '127.0.0.1',
    );
    const { port } = server.address() as { port: number };
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const text = await scrape();
    expect(text).toContain('# TYPE palisade_worker_running gauge\npalisade_worker_running 1\n');
    expect(text).toContain('palisade_worker_activities_in_flight 2\n');
    expect(text).toContain('palisade_worker_cached_workflows 7\n');
    connected = false;
    expect(await scrape()).toContain('palisade_worker_nats_connected 0\n');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});
