import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import type { HealthReport } from '@palisade/contracts';
import { createCaller } from './router.js';

const report: HealthReport = {
  status: 'unavailable',
  service: 'gateway',
  version: '0.1.0',
  startedAt: '2026-11-29T00:00:00.000Z',
  checks: [{ name: 'nats', ok: false, required: true, target: 'nats://127.0.0.1:4222', latencyMs: 3, detail: 'connection refused' }],
};

describe('health.check', () => {
  it('returns the report the context produces to a token holder, and only up or down to anyone else', async () => {
    const caller = createCaller({ requestId: 'r1', health: async () => report, principal: { actor: 'token:vic', role: 'viewer' } });
    await expect(caller.health.check()).resolves.toEqual(report);
    const anonymous = createCaller({ requestId: 'r1', health: async () => report });
    await expect(anonymous.health.check()).resolves.toEqual({ status: 'unavailable', service: 'gateway', checks: [{ name: 'nats', ok: false, required: true }] });
  });

  it('refuses to send a malformed report instead of passing it through', async () => {
    const broken = { ...report, status: 'maybe' } as unknown as HealthReport;
    const caller = createCaller({ requestId: 'r2', health: async () => broken });
    const error = await caller.health.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('INTERNAL_SERVER_ERROR');
  });
});
