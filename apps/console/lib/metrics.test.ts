import { describe, expect, it } from 'vitest';
import { recordProxied, renderConsoleMetrics } from './metrics';

const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('console metrics', () => {
  it('counts passed requests, 5xx answers and unreachable gateways apart, in Prometheus text', () => {
    const before = renderConsoleMetrics(true);
    recordProxied(200, 0.01);
    recordProxied(503, 0.02);
    recordProxied(undefined, 1);
    const after = renderConsoleMetrics(false);
    expect(value(after, 'palisade_console_proxy_requests_total') - value(before, 'palisade_console_proxy_requests_total')).toBe(3);
    expect(value(after, 'palisade_console_proxy_errors_total') - value(before, 'palisade_console_proxy_errors_total')).toBe(2);
    expect(value(after, 'palisade_console_proxy_unreachable_total') - value(before, 'palisade_console_proxy_unreachable_total')).toBe(1);
    expect(value(before, 'palisade_console_gateway_up')).toBe(1);
    expect(value(after, 'palisade_console_gateway_up')).toBe(0);
    expect(after).toContain('# TYPE palisade_console_proxy_requests_total counter');
    expect(value(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
