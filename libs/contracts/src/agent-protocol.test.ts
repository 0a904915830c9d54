import { describe, expect, it } from 'vitest';
import { DesiredRelease } from './agent-protocol.js';

const value = { cluster: 'staging', release: 'a'.repeat(64), version: 3, setAt: '2026-12-03T10:00:00.000Z' };

describe('DesiredRelease', () => {
  it('carries the trace of the change that set it only when there is one, and only a W3C traceparent', () => {
    expect(DesiredRelease.parse(value)).toEqual(value);
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(DesiredRelease.parse({ ...value, trace })).toEqual({ ...value, trace });
    for (const bad of ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`, '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'])
      expect(DesiredRelease.safeParse({ ...value, trace: bad }).error?.issues[0]?.message).toBe('must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)');
    expect(DesiredRelease.safeParse({ ...value, traced: true }).success).toBe(false);
  });
});
