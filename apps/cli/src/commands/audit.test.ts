import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { append, applyMigrations, CommittedHorizon, createDbClient, sealBatch, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { captureCli } from '../test-support/run-cli.js';

const cli = captureCli();
const { palisade } = cli;

describe('palisade audit verify', () => {
  let db: TestDatabase;
  let database: DbClient;
  const saved = process.env['DATABASE_URL'];

  beforeAll(async () => {
    db = await createTestDatabase('cli_audit');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    for (let i = 0; i < 4; i++) await append(database, [{ streamId: `test/s${i}`, expectedVersion: 0, events: [{ id: randomUUID(), type: 'Test.Done', payload: { i }, actor: 'alice' }] }]);
    await sealBatch(database, new CommittedHorizon());
    process.env['DATABASE_URL'] = db.url;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env['DATABASE_URL'];
    else process.env['DATABASE_URL'] = saved;
    await database?.close();
    await db?.drop();
  });

  it('says the chain holds on an untouched log', async () => {
    expect(await palisade('audit', 'verify')).toBe(0);
    expect(cli.out).toMatch(/^ok: 4 events verified/);
    expect(cli.err).toBe('');
    expect(await palisade('audit', 'verify', '-o', 'json')).toBe(0);
    expect(JSON.parse(cli.out.slice(cli.out.indexOf('{')))).toMatchObject({ ok: true, checked: 4, unsealed: 0, head: { position: expect.any(Number) }, anchorSource: 'none' });
  });

  // Issue 11, item 8: deleting the newest event and its link left a chain that verified.
  it('sees the newest events removed, given the head an earlier verify printed', async () => {
    expect(await palisade('audit', 'verify')).toBe(0);
    const head = /head: (\d+:[0-9a-f]{64})/.exec(cli.out)![1]!;
    // Someone with the database's keys removes the newest event and its link.
    await database.executeText('ALTER TABLE events DISABLE TRIGGER USER; ALTER TABLE event_chain DISABLE TRIGGER USER');
    await database.executeText('DELETE FROM event_chain WHERE position = (SELECT max(position) FROM event_chain)');
    await database.executeText('DELETE FROM events WHERE position = (SELECT max(position) FROM events)');
    await database.executeText('ALTER TABLE events ENABLE TRIGGER USER; ALTER TABLE event_chain ENABLE TRIGGER USER');
    // The chain alone cannot tell: what is left is a valid chain.
    expect(await palisade('audit', 'verify')).toBe(0);
    expect(cli.out).toContain('no anchor checked');
    expect(await palisade('audit', 'verify', '--anchor', head)).toBe(1);
    expect(cli.out).toContain(`but an anchor taken at the anchor given holds position ${head.split(':')[0]}: events were removed from the end of the log`);
    expect(await palisade('audit', 'verify', '--anchor', 'nonsense')).toBe(2);
    expect(cli.err).toContain('expected POSITION:HASH');
  });

  it('names the first tampered event and exits 1', async () => {
    const [row] = await database.query<{ position: bigint }[]>`SELECT position FROM events ORDER BY position OFFSET 2 LIMIT 1`;
    await database.executeText('ALTER TABLE events DISABLE TRIGGER USER');
    await database.execute`UPDATE events SET actor = 'mallory' WHERE position = ${row!.position}`;
    await database.executeText('ALTER TABLE events ENABLE TRIGGER USER');
    expect(await palisade('audit', 'verify')).toBe(1);
    expect(cli.out).toContain(`BROKEN at position ${row!.position}: event`);
    expect(cli.out).toContain('was changed after it was appended');
    expect(cli.out).toContain('(2 events before it verified');
  });
});
