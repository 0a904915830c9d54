import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createDbClient, type DbClient } from '../client.js';
import { applyMigrations } from '../migrate/apply.js';
import { append } from './append.js';
import { appendInOneStatement } from './one-statement.js';
import { appendGroupStats } from './group-append.js';
import { ConcurrencyError, IdempotencyError, InvalidEventError } from './errors.js';
import { CommittedHorizon } from '../horizon/committed.js';
import { readRange, readStream } from './read.js';
import type { NewEvent } from './types.js';
import { EVENTS_PER_CHANGE } from '@palisade/contracts';

const event = (type = 'Thing.Happened', payload: NewEvent['payload'] = {}): NewEvent => ({ id: randomUUID(), type, payload, actor: 'alice' });

describe('appending events', () => {
  let db: TestDatabase;
  let database: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('append');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 12 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('appends a batch atomically with contiguous versions and reads it back', async () => {
    const streamId = `test/${randomUUID()}`;
    const events = [event('A.One', { n: 1 }), event('A.Two', { n: 2, nested: { z: 1, a: [1, 'x'] } }), event('A.Three')];
    const [result] = await append(database, [{ streamId, expectedVersion: 0, events }]);
    expect(result).toMatchObject({ streamId, version: 3, duplicate: false });
    expect(result!.positions).toHaveLength(3);
    expect([...result!.positions].sort((a, b) => a - b)).toEqual(result!.positions);
    const read = await readStream(database, streamId);
    expect(read.map((e) => [e.version, e.type, e.payload])).toEqual([
      [1, 'A.One', { n: 1 }],
      [2, 'A.Two', { n: 2, nested: { z: 1, a: [1, 'x'] } }],
      [3, 'A.Three', {}],
    ]);
    expect(read[0]!.streamType).toBe('test');
    expect(read[0]!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives appends that share a statement the answers each would get alone', async () => {
    const earlier = `test/${randomUUID()}`;
    const retried = [event('Earlier.One')];
    const [first] = await append(database, [{ streamId: earlier, expectedVersion: 0, events: retried }]);
    const stale = `test/${randomUUID()}`;
    await append(database, [{ streamId: stale, expectedVersion: 0, events: [event()] }]);
    const before = appendGroupStats(database);
    const fresh = Array.from({ length: 24 }, () => `test/${randomUUID()}`);
    // Fresh streams, with a retry of an earlier append and a stale version among them, all at once.
    const outcomes = await Promise.allSettled([
      ...fresh.slice(0, 12).map((streamId) => append(database, [{ streamId, expectedVersion: 0, events: [event()] }])),
      append(database, [{ streamId: earlier, expectedVersion: 0, events: retried }]),
      append(database, [{ streamId: stale, expectedVersion: 0, events: [event()] }]),
      ...fresh.slice(12).map((streamId) => append(database, [{ streamId, expectedVersion: 0, events: [event(), event()] }])),
    ]);
    const after = appendGroupStats(database);
    expect(after.sharedStatements).toBeGreaterThan(before.sharedStatements);
    const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<Awaited<ReturnType<typeof append>>>).value[0]!;
    for (let i = 0; i < 12; i++) expect(value(i)).toMatchObject({ streamId: fresh[i], version: 1, duplicate: false });
    expect(value(12)).toEqual({ streamId: earlier, version: 1, positions: first!.positions, duplicate: true });
    expect(outcomes[13]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ streamId: stale, expectedVersion: 0, actualVersion: 1 }) });
    for (let i = 14; i < 26; i++) expect(value(i)).toMatchObject({ streamId: fresh[i - 2], version: 2, duplicate: false });
    // What each was told is what is stored: its events, at those positions, once.
    for (let i = 0; i < 26; i++) {
      if (i === 13) continue;
      const result = value(i);
      const stored = await readStream(database, result.streamId);
      expect(stored.map((e) => e.position)).toEqual(result.positions);
    }
    expect(await readStream(database, stale)).toHaveLength(1);
  });

  it('lets exactly one of many concurrent writers win each version; the others get a conflict naming both versions', async () => {
    const streamId = `test/${randomUUID()}`;
    const writers = Array.from({ length: 10 }, () => append(database, [{ streamId, expectedVersion: 0, events: [event()] }]));
    const outcomes = await Promise.allSettled(writers);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(ConcurrencyError);
      expect(l.reason).toMatchObject({ code: 'WRONG_EXPECTED_VERSION', streamId, expectedVersion: 0, actualVersion: 1 });
      expect((l.reason as Error).message).toContain(`stream ${streamId} is at version 1, not the expected 0`);
    }
    // Writers that re-read and retry all get in, each at its own version: no gaps, no duplicates.
    const retry = async () => {
      for (;;) {
        const version = (await readStream(database, streamId)).length;
        try {
          return await append(database, [{ streamId, expectedVersion: version, events: [event()] }]);
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, retry));
    expect((await readStream(database, streamId)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('treats a re-sent event as a no-op returning the original position, even when sent concurrently', async () => {
    const streamId = `test/${randomUUID()}`;
    const events = [event(), event()];
    const [first] = await append(database, [{ streamId, expectedVersion: 0, events }]);
    const [again] = await append(database, [{ streamId, expectedVersion: 0, events }]);
    expect(again).toEqual({ ...first, duplicate: true });
    const racing = [event()];
    const results = await Promise.all(Array.from({ length: 5 }, () => append(database, [{ streamId, expectedVersion: 'any', events: racing }])));
    expect(new Set(results.map((r) => r[0]!.positions[0])).size).toBe(1);
    expect(results.filter((r) => !r[0]!.duplicate)).toHaveLength(1);
    expect(await readStream(database, streamId)).toHaveLength(3);
  });

  it('refuses a retry that changes the batch, and bad events, naming what is wrong; nothing is written', async () => {
    const streamId = `test/${randomUUID()}`;
    const a = event();
    await append(database, [{ streamId, expectedVersion: 0, events: [a] }]);
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [a, event()] }])).rejects.toBeInstanceOf(IdempotencyError);
    await expect(append(database, [{ streamId: `other/${randomUUID()}`, expectedVersion: 0, events: [a] }])).rejects.toThrow(/was appended to stream/);
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [{ ...event(), id: 'nope' }] }])).rejects.toThrow(new InvalidEventError(0, 'id', 'must be a UUID'));
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [event(), { ...event(), payload: { s: 'a\u0000b' } }] }])).rejects.toThrow(/event 1: payload must not contain U\+0000/);
    // Text no UTF-8 can hold: refused by name, never stored altered (the content hash covers what was sent).
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [{ ...event(), payload: { ['k\ud800']: 'v' } }] }])).rejects.toThrow(
      /event 0: payload must not contain U\+0000 or an unpaired surrogate/,
    );
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [{ ...event(), reason: 'end \udc00' }] }])).rejects.toThrow(/event 0: reason must not contain/);
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [{ ...event(), actor: 'user:\ud83d' }] }])).rejects.toThrow(/event 0: actor must be/);
    await expect(append(database, [{ streamId: `test/\udfff${randomUUID()}`, expectedVersion: 0, events: [event()] }])).rejects.toThrow(
      /streamId must not contain control characters or an unpaired surrogate/,
    );
    await expect(appendInOneStatement(database, [{ streamId, expectedVersion: 'any', events: [event()] }])).rejects.toThrow(/event 0: expectedVersion must be a number in a one-statement append/);
    // A pair is fine.
    await append(database, [{ streamId, expectedVersion: 1, events: [{ ...event(), actor: 'user:😀', reason: 'ok 😀', payload: { s: '😀' } }] }]);
    await expect(append(database, [{ streamId: 'NoType', expectedVersion: 1, events: [event()] }])).rejects.toThrow(/streamId must start with a stream type/);
    await expect(append(database, [{ streamId, expectedVersion: 1, events: [{ ...event(), payload: { big: 'x'.repeat(1024 * 1024) } }] }])).rejects.toThrow(/payload is \d+ bytes: at most 1048576/);
    expect(await readStream(database, streamId)).toHaveLength(2);
  });

  it('appends to several streams all or nothing', async () => {
    const s1 = `test/${randomUUID()}`;
    const s2 = `test/${randomUUID()}`;
    await append(database, [{ streamId: s2, expectedVersion: 0, events: [event()] }]);
    await expect(
      append(database, [
        { streamId: s1, expectedVersion: 0, events: [event()] },
        { streamId: s2, expectedVersion: 0, events: [event()] },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await readStream(database, s1)).toHaveLength(0);
    const results = await append(database, [
      { streamId: s1, expectedVersion: 0, events: [event()] },
      { streamId: s2, expectedVersion: 1, events: [event(), event()] },
    ]);
    expect(results.map((r) => r.version)).toEqual([1, 3]);
  });

  it("takes a whole change's events in one append (one stream each, as a change writes them) and refuses one more, writing nothing", async () => {
    const prefix = `change-${randomUUID()}`;
    const requests = (n: number) => Array.from({ length: n }, (_, i) => ({ streamId: `test/${prefix}/${n}/${i}`, expectedVersion: 0, events: [event('Resource.Applied', { i })] }));
    const results = await append(database, requests(EVENTS_PER_CHANGE));
    const positions = results.flatMap((r) => r.positions);
    expect(positions).toHaveLength(EVENTS_PER_CHANGE);
    expect(Math.max(...positions) - Math.min(...positions) + 1).toBe(EVENTS_PER_CHANGE);
    const [before] = await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`;
    await expect(append(database, requests(EVENTS_PER_CHANGE + 1))).rejects.toThrow(`events are ${EVENTS_PER_CHANGE + 1}: at most ${EVENTS_PER_CHANGE} per append`);
    const [after] = await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`;
    expect(after!.n).toBe(before!.n);
  });

  it('never lets an ordered reader pass a position whose transaction commits late', async () => {
    const horizon = new CommittedHorizon();
    await horizon.current(database);
    let release!: () => void;
    let started!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const isHeld = new Promise<void>((r) => (started = r));
    const slowStream = `test/${randomUUID()}`;
    // Takes a position, then waits before committing.
    const slow = append(database, [{ streamId: slowStream, expectedVersion: 0, events: [event('Slow.One')] }], {
      beforeCommit: async () => {
        started();
        await held;
      },
    });
    await isHeld;
    const [fast] = await append(database, [{ streamId: `test/${randomUUID()}`, expectedVersion: 0, events: [event('Fast.One')] }]);
    const fastPosition = fast!.positions[0]!;
    // The fast event is committed and visible, but the slow one's earlier position is not final.
    const before = await horizon.current(database);
    expect(before).toBeLessThan(fastPosition);
    release();
    const [slowResult] = await slow;
    expect(slowResult!.positions[0]).toBeLessThan(fastPosition);
    let after = 0;
    for (let i = 0; i < 50 && after < fastPosition; i++) after = await horizon.current(database);
    expect(after).toBeGreaterThanOrEqual(fastPosition);
    const seen = await readRange(database, before, after, 1_000);
    expect(seen.map((e) => e.type)).toEqual(expect.arrayContaining(['Slow.One', 'Fast.One']));
    expect(seen.findIndex((e) => e.type === 'Slow.One')).toBeLessThan(seen.findIndex((e) => e.type === 'Fast.One'));
  });

  it('holds the horizon below a one-statement append (events_append) until its transaction commits', async () => {
    const horizon = new CommittedHorizon();
    await horizon.current(database);
    let release!: () => void;
    let started!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const isHeld = new Promise<void>((r) => (started = r));
    // The function called in a transaction held open after it: its position is taken, not committed.
    const slow = database.transaction(async (tx) => {
      const result = await appendInOneStatement(tx, [{ streamId: `test/${randomUUID()}`, expectedVersion: 0, events: [event('Slow.Two')] }]);
      started();
      await held;
      return result;
    });
    await isHeld;
    const [fast] = await append(database, [{ streamId: `test/${randomUUID()}`, expectedVersion: 0, events: [event('Fast.Two')] }]);
    const before = await horizon.current(database);
    expect(before).toBeLessThan(fast!.positions[0]!);
    release();
    const [slowResult] = await slow;
    expect(slowResult!.positions[0]).toBeLessThan(fast!.positions[0]!);
    let after = 0;
    for (let i = 0; i < 50 && after < fast!.positions[0]!; i++) after = await horizon.current(database);
    const seen = await readRange(database, before, after, 1_000);
    expect(seen.findIndex((e) => e.type === 'Slow.Two')).toBeLessThan(seen.findIndex((e) => e.type === 'Fast.Two'));
    expect(seen.findIndex((e) => e.type === 'Slow.Two')).toBeGreaterThanOrEqual(0);
  });

  it('holds the horizon below positions whose transactions are all still running', async () => {
    // The case a snapshot's xmax gets wrong: nothing completed since these started.
    const horizon = new CommittedHorizon();
    const start = await horizon.current(database);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered = 0;
    let bothIn!: () => void;
    const ready = new Promise<void>((r) => (bothIn = r));
    const hold = async () => {
      if (++entered === 2) bothIn();
      await held;
    };
    const writers = [0, 1].map(() => append(database, [{ streamId: `test/${randomUUID()}`, expectedVersion: 0, events: [event('Held.One')] }], { beforeCommit: hold }));
    await ready;
    for (let i = 0; i < 3; i++) expect(await horizon.current(database)).toBe(start);
    release();
    const positions = (await Promise.all(writers)).map((r) => r[0]!.positions[0]!);
    let after = start;
    for (let i = 0; i < 50 && after < Math.max(...positions); i++) after = await horizon.current(database);
    expect(after).toBeGreaterThanOrEqual(Math.max(...positions));
  });

  it('keeps the log append-only: updates and deletes are refused by the database', async () => {
    const streamId = `test/${randomUUID()}`;
    await append(database, [{ streamId, expectedVersion: 0, events: [event()] }]);
    await expect(database.execute`UPDATE events SET actor = 'mallory' WHERE stream_id = ${streamId}`).rejects.toThrow(/append-only: UPDATE is not allowed/);
    await expect(database.execute`DELETE FROM events WHERE stream_id = ${streamId}`).rejects.toThrow(/append-only: DELETE is not allowed/);
  });
});
