import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createDbClient, type DbClient } from '../client.js';
import { applyMigrations } from '../migrate/apply.js';
import { append } from '../store/append.js';
import { CommittedHorizon } from '../horizon/committed.js';
import { sealBatch } from './seal.js';
import { verifyChain } from './verify.js';

const event = (n: number) => ({ id: randomUUID(), type: 'Test.Happened', payload: { n, nested: { list: [n, `x${n}`] } }, actor: 'alice', reason: `because ${n}` });

describe('the hash chain', () => {
  let db: TestDatabase | undefined;
  let database: DbClient;

  // A fresh database per test: tampering is destructive.
  beforeEach(async () => {
    await database?.close();
    await db?.drop();
    db = await createTestDatabase('chain');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 4 });
    for (let i = 0; i < 5; i++) await append(database, [{ streamId: `test/s${i % 2}`, expectedVersion: 'any', events: [event(2 * i), event(2 * i + 1)] }]);
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  const sealAll = async () => {
    const horizon = new CommittedHorizon();
    let total = 0;
    for (let i = 0; i < 20; i++) total += await sealBatch(database, horizon, 3);
    return total;
  };
  // What an attacker with the database's owner rights does: switch the guard off, edit, switch it back.
  const behindTheStoresBack = async (sql: string) => {
    await database.executeText('ALTER TABLE events DISABLE TRIGGER USER');
    await database.executeText('ALTER TABLE event_chain DISABLE TRIGGER USER');
    try {
      await database.executeText(sql);
    } finally {
      await database.executeText('ALTER TABLE events ENABLE TRIGGER USER');
      await database.executeText('ALTER TABLE event_chain ENABLE TRIGGER USER');
    }
  };
  const positionOf = async (n: number) => Number((await database.query<{ p: bigint }[]>`SELECT position AS p FROM events WHERE (payload->>'n')::int = ${n}`)[0]!.p);

  it('seals every event in order and verifies an untouched store', async () => {
    expect(await sealAll()).toBe(10);
    expect(await verifyChain(database)).toMatchObject({ ok: true, checked: 10, unsealed: 0, head: { position: 10 } });
    await append(database, [{ streamId: 'test/late', expectedVersion: 0, events: [event(99)] }]);
    expect(await verifyChain(database)).toMatchObject({ ok: true, checked: 10, unsealed: 1, head: { position: 10 } });
  });

  it('pinpoints an event edited after it was appended', async () => {
    await sealAll();
    const target = await positionOf(6);
    await behindTheStoresBack(`UPDATE events SET payload = jsonb_set(payload, '{n}', '600') WHERE position = ${target}`);
    const result = await verifyChain(database);
    expect(result).toMatchObject({ ok: false, checked: 6, broken: { position: target, problem: expect.stringMatching(/was changed after it was appended/) } });
    expect(result.broken!.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('pinpoints a deleted event, and an event edited together with its content hash', async () => {
    await sealAll();
    const deleted = await positionOf(3);
    await behindTheStoresBack(`DELETE FROM events WHERE position = ${deleted}`);
    expect((await verifyChain(database)).broken).toMatchObject({ position: deleted, problem: expect.stringMatching(/was deleted/) });
    await behindTheStoresBack(`DELETE FROM event_chain WHERE position = ${deleted}`);
    const next = await positionOf(4);
    expect((await verifyChain(database)).broken).toMatchObject({ position: next, problem: expect.stringMatching(/does not follow from the previous one/) });
  });

  it('catches a rewritten hash and a link recomputed for an edited event', async () => {
    await sealAll();
    const target = await positionOf(8);
    // Editing the content and its hash consistently still breaks the link.
    await behindTheStoresBack(`UPDATE events SET actor = 'mallory' WHERE position = ${target}`);
    const [row] = await database.query<{ id: string }[]>`SELECT id::text AS id FROM events WHERE position = ${target}`;
    const { recomputeContentHash } = await import('./seal.js');
    const { readRange } = await import('../store/read.js');
    const [edited] = await readRange(database, target - 1, target, 1);
    await behindTheStoresBack(`UPDATE events SET content_hash = '${recomputeContentHash(edited!)}' WHERE position = ${target}`);
    expect((await verifyChain(database)).broken).toMatchObject({ position: target, eventId: row!.id, problem: expect.stringMatching(/link at position \d+ was changed/) });
  });

  it('refuses to seal an event that was changed before it was sealed', async () => {
    const target = await positionOf(1);
    await behindTheStoresBack(`UPDATE events SET reason = 'rewritten' WHERE position = ${target}`);
    await expect(sealAll()).rejects.toThrow(new RegExp(`at position ${target} does not match the hash it was appended with`));
    expect((await verifyChain(database)).broken).toMatchObject({ position: target });
  });
});
