import { describe, expect, it } from 'vitest';
import { HealthReport, summarize, type DependencyCheck } from './health.js';

const check = (name: DependencyCheck['name'], ok: boolean, required = true): DependencyCheck => ({ name, ok, required, target: 'x', latencyMs: 1, detail: '' });

describe('health', () => {
  it('is ok only when every required dependency is ok', () => {
    expect(summarize([check('postgres', true), check('nats', true)])).toBe('ok');
    expect(summarize([check('postgres', true), check('nats', false)])).toBe('unavailable');
    expect(summarize([check('postgres', true), check('worker', false, false)])).toBe('ok');
  });

  it('validates a report from the wire', () => {
    const report = { status: 'ok', service: 'gateway', version: '0.1.0', startedAt: '2026-11-29T00:00:00.000Z', checks: [check('temporal', true)] };
    expect(HealthReport.parse(report)).toEqual(report);
    expect(HealthReport.safeParse({ ...report, status: 'fine' }).success).toBe(false);
  });
});
