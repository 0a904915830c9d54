import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createDbClient, type DbClient } from '../client.js';
import { applyMigrations } from '../migrate/apply.js';
import { append } from '../store/append.js';
import { readRange } from '../store/read.js';
import type { NewEvent } from '../store/types.js';
import { startHorizonNotifier, type HorizonNotifier } from './notifier.js';

const event = (type = 'Thing.Happened'): NewEvent => ({ id: randomUUID(), type, payload: {}, actor: 'alice' });
const commit = async (db: DbClient, type?: string) => (await append(db, [{ streamId: `test/${randomUUID()}`, expectedVersion: 0, events: [event(type)] }]))[0]!.positions[0]!;

/** The client, counting the statements that read the horizon (the pg_locks query: one per read). */
function counting(db: DbClient): { db: DbClient; horizonQueries: () => number } {
  let n = 0;
  const counted: DbClient = {
    ...db,
    query: <T>(strings: TemplateStringsArray, ...values: unknown[]) => {
      if (strings.join('').includes('pg_locks')) n++;
      return db.query<T>(strings, ...values);
    },
  };
  return { db: counted, horizonQueries: () => n };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the horizon notifier', () => {
  let db: TestDatabase;
  let database: DbClient;
  let notifier: HorizonNotifier | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('horizon');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 8 });
  });
  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('serves 500 waiting readers with one horizon query per wake-up', async () => {
    const { db: counted, horizonQueries } = counting(database);
    // The safety poll is out of the way: only notifications wake it.
    notifier = startHorizonNotifier(counted, { pollMs: 60_000 });
    await notifier.current();
    for (let round = 0; round < 5; round++) {
      const before = horizonQueries();
      const readsBefore = notifier.stats().reads;
      const at = notifier.latest;
      const waiting = Array.from({ length: 500 }, () => notifier!.waitFor(at));
      await until('500 waiters', () => notifier!.stats().waiting === 500);
      const position = await commit(database);
      const seen = await Promise.all(waiting);
      expect(seen.every((h) => h >= position)).toBe(true);
      const queries = horizonQueries() - before;
      // One read for the notification, and a quick second or third when the first still saw the
      // commit's own transaction running: not one per reader.
      expect(queries).toBeGreaterThanOrEqual(1);
      expect(queries).toBeLessThanOrEqual(3);
      expect(notifier.stats().reads - readsBefore).toBe(queries);
    }
    expect(notifier.stats().waiting).toBe(0);
  });

  it('never lets a later commit carry the horizon past an earlier position still uncommitted', async () => {
    notifier = startHorizonNotifier(database, { pollMs: 50 });
    await notifier.current();
    let release!: () => void;
    let started!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const isHeld = new Promise<void>((r) => (started = r));
    const slow = append(database, [{ streamId: `test/${randomUUID()}`, expectedVersion: 0, events: [event('Slow.One')] }], {
      beforeCommit: async () => {
        started();
        await held;
      },
    });
    await isHeld;
    const before = notifier.latest;
    const fastPosition = await commit(database, 'Fast.One');
    // Notifications and polls come and go; the horizon stays below the held position all along.
    const overtaken = notifier.waitFor(fastPosition - 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(notifier.latest).toBeLessThan(fastPosition);
    expect(notifier.stats().behind).toBeGreaterThan(0);
    release();
    const [slowResult] = await slow;
    const after = await overtaken;
    expect(after).toBeGreaterThanOrEqual(fastPosition);
    expect(slowResult!.positions[0]).toBeLessThan(fastPosition);
    const seen = await readRange(database, before, after, 1_000);
    expect(seen.map((e) => e.type)).toEqual(['Slow.One', 'Fast.One']);
  });

  it('answers fresh() with a read that sees a write committed before the call', async () => {
    notifier = startHorizonNotifier(database, { pollMs: 60_000 });
    await notifier.current();
    for (let i = 0; i < 20; i++) {
      const position = await commit(database);
      expect(await notifier.fresh()).toBeGreaterThanOrEqual(position);
    }
  });

  it('survives its LISTEN connection being killed and keeps delivering on notifications', async () => {
    notifier = startHorizonNotifier(database, { pollMs: 60_000, minBackoffMs: 20 });
    await until('listening', () => notifier!.stats().listening);
    for (let kill = 1; kill <= 2; kill++) {
      const pid = notifier.stats().listenerPid!;
      const [row] = await database.query<{ ok: boolean }[]>`SELECT pg_terminate_backend(${pid}::int) AS ok`;
      expect(row!.ok).toBe(true);
      await until('a new LISTEN connection', () => notifier!.stats().listening && notifier!.stats().listenerPid !== pid);
      expect(notifier.stats().reconnects).toBe(kill);
      // With the poll an hour away, only a notification on the new connection can deliver this in time.
      const waiting = notifier.waitFor(notifier.latest);
      const position = await commit(database);
      const started = Date.now();
      expect(await waiting).toBeGreaterThanOrEqual(position);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });

  it('releases waiting readers when it closes', async () => {
    notifier = startHorizonNotifier(database);
    await notifier.current();
    const waiting = notifier.waitFor(notifier.latest + 1_000_000);
    await notifier.close();
    await expect(waiting).resolves.toBe(notifier.latest);
  });
});
