import { renderGauges, type Gauge } from '@palisade/contracts';

/**
 * Prometheus metrics for the gateway, in the text exposition format: requests by route, method
 * and status; latency histograms by route; refusals (authentication, rate limits, sizes).
 * Routes are bounded (procedure names the router knows, or "other") so labels cannot explode.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export type { Gauge };

export interface GatewayMetrics {
  observe(route: string, method: string, status: number, seconds: number): void;
  refused(reason: 'unauthenticated' | 'auth_throttled' | 'rate_limited' | 'too_large'): void;
  render(gauges?: Record<string, Gauge>): string;
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function createMetrics(): GatewayMetrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, Histogram>();
  const refusals = new Map<string, number>();
  const started = Date.now();

  return {
    observe(route, method, status, seconds) {
      const key = `route="${escape(route)}",method="${escape(method)}",status="${status}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      let h = latency.get(route);
      if (!h) latency.set(route, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.counts[i]! += 1;
      h.sum += seconds;
      h.count += 1;
    },
    refused(reason) {
      refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
    },
    render(gauges = {}) {
      const out: string[] = [];
      out.push('# HELP palisade_gateway_requests_total HTTP requests by route, method and status.', '# TYPE palisade_gateway_requests_total counter');
      for (const [labels, n] of requests) out.push(`palisade_gateway_requests_total{${labels}} ${n}`);
      out.push('# HELP palisade_gateway_request_duration_seconds Time to answer a request, by route.', '# TYPE palisade_gateway_request_duration_seconds histogram');
      for (const [route, h] of latency) {
        const r = escape(route);
        BUCKETS.forEach((le, i) => out.push(`palisade_gateway_request_duration_seconds_bucket{route="${r}",le="${le}"} ${h.counts[i]}`));
        out.push(`palisade_gateway_request_duration_seconds_bucket{route="${r}",le="+Inf"} ${h.count}`);
        out.push(`palisade_gateway_request_duration_seconds_sum{route="${r}"} ${h.sum}`);
        out.push(`palisade_gateway_request_duration_seconds_count{route="${r}"} ${h.count}`);
      }
      out.push('# HELP palisade_gateway_refused_total Requests refused before reaching a procedure, by reason.', '# TYPE palisade_gateway_refused_total counter');
      for (const [reason, n] of refusals) out.push(`palisade_gateway_refused_total{reason="${reason}"} ${n}`);
      out.push(
        '# HELP palisade_gateway_uptime_seconds Seconds since the gateway started.',
        '# TYPE palisade_gateway_uptime_seconds gauge',
        `palisade_gateway_uptime_seconds ${(Date.now() - started) / 1000}`,
      );
      out.push(...renderGauges(gauges));
      return out.join('\n') + '\n';
    },
  };
}
