import { describe, expect, it } from 'vitest';
import { describeError } from './errors.js';
import { waitFor, withTimeout } from './wait.js';

describe('waitFor', () => {
  it('retries until the probe succeeds', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('gives up after the timeout with the last failure', async () => {
    await expect(waitFor(async () => Promise.reject(new Error('still down')), { timeoutMs: 100, intervalMs: 10 })).rejects.toThrow('still down');
  });

  it('stops waiting as soon as the process it waits for has died', async () => {
    let calls = 0;
    const failing = waitFor(
      async () => {
        calls += 1;
        throw new Error('refused');
      },
      { timeoutMs: 60_000, intervalMs: 10, isAlive: () => calls < 2 },
    );
    await expect(failing).rejects.toThrow('refused');
    expect(calls).toBe(2);
  });
});

describe('withTimeout', () => {
  it('rejects with the given message when too slow', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, 'no answer within 20 ms')).rejects.toThrow('no answer within 20 ms');
    await expect(withTimeout(Promise.resolve(5), 1_000, 'x')).resolves.toBe(5);
  });
});

describe('describeError', () => {
  it('reports the first error of an AggregateError (a refused dual-stack connect)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(new AggregateError([refused, new Error('connect ECONNREFUSED ::1:1')]))).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });

  it('adds an error code the message does not already carry', () => {
    expect(describeError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('socket hang up (ECONNRESET)');
  });
});
