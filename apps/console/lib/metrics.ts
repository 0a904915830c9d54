import { renderGauges } from '@palisade/contracts';

// What the console's server counts for Prometheus. Kept on globalThis: Next.js may load this module
// once per route bundle, and the proxy route and the metrics route must see the same counters.

interface ProxyCounters {
  requests: number;
  /** Answers of 5xx from the gateway, and requests that never reached it. */
  errors: number;
  unreachable: number;
  /** Total seconds spent waiting for the gateway's first byte. */
  seconds: number;
}

const KEY = Symbol.for('palisade.console.metrics');
const holder = globalThis as typeof globalThis & { [KEY]?: ProxyCounters };

function counters(): ProxyCounters {
  return (holder[KEY] ??= { requests: 0, errors: 0, unreachable: 0, seconds: 0 });
}

/** One request the console passed to the gateway: its status, or undefined when the gateway was not reached. */
export function recordProxied(status: number | undefined, seconds: number): void {
  const c = counters();
  c.requests++;
  c.seconds += seconds;
  if (status === undefined) c.unreachable++;
  if (status === undefined || status >= 500) c.errors++;
}

/** The Prometheus text for the console's process, given whether the gateway answered its health check. */
export function renderConsoleMetrics(gatewayUp: boolean, now = process.uptime(), memory = process.memoryUsage()): string {
  const c = counters();
  return (
    renderGauges({
      palisade_console_gateway_up: { help: 'Whether the gateway answered /healthz when scraped (1) or not (0).', value: gatewayUp ? 1 : 0 },
      palisade_console_proxy_requests_total: { help: 'Requests the console passed to the gateway.', value: c.requests, type: 'counter' },
      palisade_console_proxy_errors_total: { help: 'Passed requests answered 5xx or not answered at all.', value: c.errors, type: 'counter' },
      palisade_console_proxy_unreachable_total: { help: 'Passed requests that never reached the gateway.', value: c.unreachable, type: 'counter' },
      palisade_console_proxy_wait_seconds_total: { help: "Seconds spent waiting for the gateway's answers.", value: Math.round(c.seconds * 1000) / 1000, type: 'counter' },
      process_uptime_seconds: { help: 'Seconds since the console server started.', value: Math.round(now) },
      process_resident_memory_bytes: { help: 'Resident memory of the console server.', value: memory.rss },
      nodejs_heap_used_bytes: { help: 'V8 heap in use.', value: memory.heapUsed },
    }).join('\n') + '\n'
  );
}
