import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { createRelease, resolveRelease } from './releases.js';

describe('naming a release by its hash or a prefix', () => {
  let db: TestDatabase;
  let database: DbClient;
  const a = 'abcd01' + '0'.repeat(58);
  const b = 'abcd02' + '0'.repeat(58);

  beforeAll(async () => {
    db = await createTestDatabase('release_resolve');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    // Rows of the read model, as the projection writes them: two hashes sharing "abcd0".
    for (const [i, hash] of [a, b].entries())
      await database.execute`INSERT INTO releases (hash, revision, resource_count, actor, position, created_at) VALUES (${hash}, ${i + 1}, 0, 'test', ${i + 1}, now())`;
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('takes a unique prefix, in any case, and gives the full hash', async () => {
    expect(await resolveRelease(database, 'ABCD01')).toBe(a);
    expect(await resolveRelease(database, ` ${b} `)).toBe(b);
  });

  it('finds a release made a moment ago, before the read model has it, in the log', async () => {
    const made = await createRelease(database, { actor: 'test' });
    expect((await database.query`SELECT hash FROM releases WHERE hash = ${made.hash}`).length).toBe(0);
    expect(await resolveRelease(database, made.hash.slice(0, 7))).toBe(made.hash);
  });

  it('says why a name does not pick one release', async () => {
    await expect(resolveRelease(database, 'abcd0')).rejects.toThrow('abcd0 is the start of 2 releases (abcd01000, abcd02000): give more digits');
    await expect(resolveRelease(database, 'abc')).rejects.toThrow('is not a release: give its hash or a unique prefix of it (at least 4 hex digits)');
    await expect(resolveRelease(database, 'release-1')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(resolveRelease(database, 'ffff')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no release starts with ffff' });
  });
});
