import { describe, expect, it } from 'vitest';
import type { Db } from '../store/types.js';
import { CommittedHorizon } from './committed.js';

/**
 * A database whose answers the test releases one at a time, in the order it chooses: what two
 * overlapping reads of one process can see. (A stand-in inside a unit test of the ordering rule;
 * the horizon against real PostgreSQL is tested in notifier.test.ts and store tests.)
 */
function scriptedDb() {
  const calls: { sql: string; answer: (rows: unknown[]) => void }[] = [];
  const db = {
    query: (strings: TemplateStringsArray) =>
      new Promise<unknown[]>((resolve) => {
        calls.push({ sql: strings.join('?'), answer: resolve });
      }),
  } as unknown as Db;
  const next = async (kind: 'sequence' | 'locks') => {
    for (let i = 0; i < 50 && !calls.some((c) => c.sql.includes(kind === 'sequence' ? 'events_position_seq' : 'pg_locks')); i++) await Promise.resolve();
    const at = calls.findIndex((c) => c.sql.includes(kind === 'sequence' ? 'events_position_seq' : 'pg_locks'));
    return calls.splice(at, 1)[0]!;
  };
  return { db, next };
}

const seq = (n: number) => [{ last_value: BigInt(n), is_called: true }];
const locks = (...xids: string[]) => xids.map((xid) => ({ xid }));

describe('CommittedHorizon with overlapping reads', () => {
  it("does not let a snapshot taken before a read's sequence vouch for that read", async () => {
    const { db, next } = scriptedDb();
    const horizon = new CommittedHorizon();
    // Read B starts first: its sequence (4) is read and its snapshot of running transactions sent.
    const b = horizon.current(db);
    (await next('sequence')).answer(seq(4));
    const bLocks = await next('locks');
    // Read A starts: the sequence is now 5; transaction t9 took position 5 after B's snapshot was sent.
    const a = horizon.current(db);
    (await next('sequence')).answer(seq(5));
    const aLocks = await next('locks');
    aLocks.answer(locks('t9'));
    expect(await a).toBe(0);
    // B's snapshot predates t9: it must not make position 5 final.
    bLocks.answer(locks());
    expect(await b).toBe(4);
    // A later read that still sees t9 keeps 5 pending; once t9 is gone, 5 is final.
    const c = horizon.current(db);
    (await next('sequence')).answer(seq(5));
    (await next('locks')).answer(locks('t9'));
    expect(await c).toBe(4);
    const d = horizon.current(db);
    (await next('sequence')).answer(seq(5));
    (await next('locks')).answer(locks());
    expect(await d).toBe(5);
  });
});
