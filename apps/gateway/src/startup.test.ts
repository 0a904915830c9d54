import { describe, expect, it } from 'vitest';
import { unreachable, untilReachable } from './startup.js';

describe('waiting for PostgreSQL at start-up', () => {
  it('retries while the server is not there, and returns what the step returns', async () => {
    let calls = 0;
    const waits: number[] = [];
    const result = await untilReachable(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return 'migrated';
      },
      10_000,
      (_, w) => waits.push(w),
    );
    expect(result).toBe('migrated');
    expect(waits).toEqual([250, 500]);
  });

  it('gives up at once on any other failure, and when the wait runs out', async () => {
    await expect(
      untilReachable(
        () => Promise.reject(new Error('migration 2026 was changed after it was applied')),
        10_000,
        () => undefined,
      ),
    ).rejects.toThrow('was changed');
    await expect(
      untilReachable(
        () => Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
        300,
        () => undefined,
      ),
    ).rejects.toThrow('refused');
  });

  it('recognises an unreachable server however pg reports it', () => {
    expect(unreachable({ code: '57P03', message: 'the database system is starting up' })).toBe(true);
    expect(unreachable(new AggregateError([Object.assign(new Error(''), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(unreachable(new Error('wrapped', { cause: { code: 'ECONNRESET' } }))).toBe(true);
    expect(unreachable(Object.assign(new Error('password authentication failed'), { code: '28P01' }))).toBe(false);
  });
});
