import { createServer, type Server } from 'node:http';
import { renderGauges, type Gauge } from '@palisade/contracts';

/** What the worker knows about itself when /metrics is asked for. */
export interface WorkerMetricsSource {
  /** Temporal's own view of the worker (run state, tasks in flight, cached workflows). */
  status(): { runState: string; numInFlightActivities: number; numInFlightWorkflowActivations: number; numCachedWorkflows: number };
  natsConnected(): boolean;
}

/**
 * The worker's Prometheus endpoint (GET /metrics) on `port`, bound to `host`: whether it polls
 * Temporal and reaches NATS (the gateway, for its activities), and the work in flight. Anything
 * else is 404; nothing here changes state, so it needs no authentication beyond the network's.
 */
export function serveWorkerMetrics(source: WorkerMetricsSource, port: number, host: string): Promise<Server> {
  const started = Date.now();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const s = source.status();
    const gauges: Record<string, Gauge> = {
      palisade_worker_running: { help: 'Whether the worker is polling Temporal (1) or not (0).', value: s.runState === 'RUNNING' ? 1 : 0 },
      palisade_worker_nats_connected: { help: 'Whether the worker reaches NATS, which carries its activities to the gateway.', value: source.natsConnected() ? 1 : 0 },
      palisade_worker_activities_in_flight: { help: 'Activities being executed now.', value: s.numInFlightActivities },
      palisade_worker_workflow_activations_in_flight: { help: 'Workflow activations being processed now.', value: s.numInFlightWorkflowActivations },
      palisade_worker_cached_workflows: { help: 'Workflows held in the sticky cache.', value: s.numCachedWorkflows },
      palisade_worker_uptime_seconds: { help: 'Seconds since the worker started.', value: (Date.now() - started) / 1000 },
    };
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderGauges(gauges).join('\n') + '\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
