import { describe, expect, it } from 'vitest';
import { Gate, GateFullError } from './gate.js';

const later = () => {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { done, release };
};

describe('Gate', () => {
  it('runs at most its concurrency at once, queues some, refuses the rest', async () => {
    const gate = new Gate('tests', 2, 3);
    let now = 0;
    let peak = 0;
    const holds = Array.from({ length: 5 }, later);
    const calls = holds.map((h) =>
      gate.run(async () => {
        now++;
        peak = Math.max(peak, now);
        await h.done;
        now--;
      }),
    );
    const refused = gate.run(async () => undefined);
    await expect(refused).rejects.toBeInstanceOf(GateFullError);
    expect(gate.stats()).toEqual({ running: 2, waiting: 3, refused: 1 });
    for (const h of holds) h.release();
    await Promise.all(calls);
    expect(peak).toBe(2);
    expect(gate.stats()).toEqual({ running: 0, waiting: 0, refused: 1 });
  });

  it('gives up on a caller that waited too long, and frees its place', async () => {
    const gate = new Gate('tests', 1, 1, 20);
    const hold = later();
    const first = gate.run(() => hold.done);
    await expect(gate.run(async () => 'late')).rejects.toThrow('busy');
    hold.release();
    await first;
    expect(await gate.run(async () => 'next')).toBe('next');
    expect(gate.stats().running).toBe(0);
  });

  it('lets the next caller in when a call fails', async () => {
    const gate = new Gate('tests', 1, 1);
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(async () => 1)).toBe(1);
  });
});
