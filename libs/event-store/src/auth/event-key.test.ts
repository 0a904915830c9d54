// Issue 11, item 8: a plain INSERT of an event with a recomputed content hash was sealed, verified,
// projected and released. With the writers' key, no reader accepts it, and the application's
// database role could not have written it around the store anyway.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createDbClient, type DbClient } from '../client.js';
import { applyMigrations } from '../migrate/apply.js';
import { ensureAppRole } from '../migrate/roles.js';
import { append, hashedContent } from '../store/append.js';
import { sha256Hex } from '../store/canonical.js';
import { readRange } from '../store/read.js';
import { UnauthenticatedEventError } from '../store/errors.js';
import { CommittedHorizon } from '../horizon/committed.js';
import { sealBatch } from '../chain/seal.js';
import { verifyChain } from '../chain/verify.js';
import { EventKey } from './event-key.js';
import { EventKeyError, introduceEventKey } from './introduce.js';

const event = (n: number, actor = 'token:dana') => ({ id: randomUUID(), type: 'Resource.Applied', payload: { n }, actor });

describe('events authenticated by their writer', () => {
  let db: TestDatabase;
  let owner: DbClient;
  let keyed: DbClient;
  const key = new EventKey(randomBytes(32));

  beforeAll(async () => {
    db = await createTestDatabase('event_key');
    await applyMigrations(db.url);
    owner = createDbClient(db.url, { max: 2 });
    // Written before the log had a key: accepted as they are.
    await append(owner, [{ streamId: 'test/legacy', expectedVersion: 0, events: [event(0), event(1)] }]);
    expect(await introduceEventKey(owner, key)).toEqual({ legacyUpTo: 2, introduced: true });
    keyed = createDbClient(db.url, { max: 2, eventKey: key });
    await append(keyed, [{ streamId: 'test/signed', expectedVersion: 0, events: [event(2), event(3)] }]);
  });
  afterAll(async () => {
    await keyed?.close();
    await owner?.close();
    await db?.drop();
  });

  it('signs what it appends and reads back what was signed or came before the key', async () => {
    const events = await readRange(keyed, 0, 100, 100);
    expect(events.map((e) => e.mac === null)).toEqual([true, true, false, false]);
    expect(events[2]!.mac).toMatch(new RegExp(`^${key.kid}:[0-9a-f]{64}$`));
    const verified = await verifyChain(keyed);
    expect(verified.ok).toBe(true);
    // The key's row is found again on the next start, not made anew.
    expect(await introduceEventKey(owner, new EventKey(Buffer.from(key['secret' as keyof EventKey] as unknown as Buffer)))).toEqual({ legacyUpTo: 2, introduced: false });
  });

  it('refuses, everywhere it is read, an event inserted around the store with a recomputed hash', async () => {
    const horizon = new CommittedHorizon();
    while ((await sealBatch(keyed, horizon)) > 0);
    const forged = {
      id: randomUUID(),
      streamId: 'resource/GlobalNetworkPolicy/allow-all',
      streamType: 'resource',
      version: 1,
      type: 'Resource.Applied',
      schemaVersion: 1,
      payload: { allow: 'all' },
      actor: 'token:dana',
      reason: null,
      correlationId: null,
      causationId: null,
      recordedAt: new Date(),
    };
    const contentHash = sha256Hex(hashedContent(forged));
    await owner.execute`
      INSERT INTO events (id, stream_id, stream_type, version, type, schema_version, payload, actor, recorded_at, content_hash)
      VALUES (${forged.id}::uuid, ${forged.streamId}, 'resource', 1, 'Resource.Applied', 1, ${JSON.stringify(forged.payload)}::jsonb, 'token:dana', ${forged.recordedAt}, ${contentHash})`;
    // Without the key (what verified it before): nothing to see.
    expect((await verifyChain(owner)).ok).toBe(true);
    await expect(readRange(keyed, 0, 100, 100)).rejects.toBeInstanceOf(UnauthenticatedEventError);
    await expect(sealBatch(keyed, new CommittedHorizon())).rejects.toThrow('no Palisade writer wrote');
    const verified = await verifyChain(keyed);
    expect(verified.ok).toBe(false);
    expect(verified.broken!.problem).toContain('has no MAC: no Palisade writer wrote it');
    // A MAC copied from another event does not fit this one either.
    const [signed] = await owner.query<{ mac: string }[]>`SELECT mac FROM events WHERE mac IS NOT NULL LIMIT 1`;
    await owner.executeText('ALTER TABLE events DISABLE TRIGGER USER');
    await owner.execute`UPDATE events SET mac = ${signed!.mac} WHERE id = ${forged.id}::uuid`;
    await owner.executeText('ALTER TABLE events ENABLE TRIGGER USER');
    expect((await verifyChain(keyed)).broken!.problem).toContain('a MAC that does not match');
  });

  it('refuses a key row moved or removed around the store', async () => {
    await owner.executeText('ALTER TABLE event_keys DISABLE TRIGGER USER');
    await owner.execute`UPDATE event_keys SET since_position = 1000 WHERE kid = ${key.kid}`;
    await expect(introduceEventKey(owner, key)).rejects.toBeInstanceOf(EventKeyError);
    await owner.execute`DELETE FROM event_keys WHERE kid = ${key.kid}`;
    await owner.executeText('ALTER TABLE event_keys ENABLE TRIGGER USER');
    await expect(introduceEventKey(owner, key)).rejects.toThrow('its row in event_keys is gone');
  });

  it('gives the application a role that cannot change the log, its triggers or roles', async () => {
    const password = randomBytes(12).toString('hex');
    const user = `palisade_gw_${randomBytes(3).toString('hex')}`;
    await ensureAppRole(db.url, { user, password });
    const url = new URL(db.url);
    url.username = user;
    url.password = password;
    const app = new pg.Client({ connectionString: url.toString() });
    await app.connect();
    try {
      const refused = async (sql: string) => {
        const error = await app.query(sql).then(
          () => undefined,
          (e: { code?: string }) => e,
        );
        return error?.code;
      };
      // What it needs: read, append, keep read models.
      expect((await app.query('SELECT count(*) FROM events')).rowCount).toBe(1);
      expect(await refused("INSERT INTO checkpoints (name, position) VALUES ('t', 0)")).toBeUndefined();
      // What it must not: 42501 is insufficient_privilege.
      expect(await refused("UPDATE events SET actor = 'mallory'")).toBe('42501');
      expect(await refused('DELETE FROM events')).toBe('42501');
      expect(await refused('TRUNCATE events')).toBe('42501');
      expect(await refused('DELETE FROM event_chain')).toBe('42501');
      expect(await refused('DELETE FROM event_keys')).toBe('42501');
      // Resource snapshots are derived from the log: a changed one would change what as-of answers.
      expect(await refused("INSERT INTO resource_snapshots (position, resources, resource_count) VALUES (1, '[]', 0)")).toBeUndefined();
      expect(await refused("UPDATE resource_snapshots SET resources = '[]'")).toBe('42501');
      expect(await refused('DELETE FROM resource_snapshots')).toBe('42501');
      expect(await refused('ALTER TABLE events DISABLE TRIGGER USER')).toBe('42501');
      expect(await refused('CREATE TABLE sneaky (x int)')).toBe('42501');
      expect(await refused('CREATE ROLE sneaky SUPERUSER')).toBe('42501');
      expect(await refused('DELETE FROM "_prisma_migrations"')).toBe('42501');
      // And the migrator, run as it, finds nothing to do rather than failing.
      expect(await applyMigrations(url.toString())).toMatchObject({ applied: [] });
    } finally {
      await app.end();
    }
    await owner.executeText(`REASSIGN OWNED BY "${user}" TO CURRENT_USER; DROP OWNED BY "${user}"`);
    await owner.executeText(`DROP ROLE "${user}"`);
  });
});
