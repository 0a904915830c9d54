import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { registerCluster } from './clusters.js';
import { checkJoinToken, createJoinToken, listJoinTokens, revokeJoinToken } from './join-tokens.js';

describe('cluster join tokens', () => {
  let db: TestDatabase;
  let database: DbClient;
  beforeAll(async () => {
    db = await createTestDatabase('join_tokens');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    await registerCluster(database, 'prod-eu', { env: 'prod' }, { actor: 'ops' });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('admits to its cluster until it expires, and keeps only a hash of its secret', async () => {
    const { token, info } = await createJoinToken(database, 'prod-eu', { expiresInHours: 2 }, { actor: 'token:ada#000000000001(admin)', reason: 'new nodes' });
    expect(token).toMatch(/^pal_join_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await checkJoinToken(database, token)).toEqual({ id: info.id, cluster: 'prod-eu' });
    expect(await checkJoinToken(database, token, new Date(info.expiresAt.getTime() + 1))).toBeUndefined();
    expect(await checkJoinToken(database, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await checkJoinToken(database, 'pal_join_nonsense')).toBeUndefined();
    const secret = token.split('_').slice(3).join('_');
    const stored = JSON.stringify(await database.query`SELECT * FROM join_tokens`) + JSON.stringify(await database.query`SELECT payload FROM events WHERE stream_id LIKE 'join-token/%'`);
    expect(stored).not.toContain(secret);
    expect((await listJoinTokens(database, 'prod-eu')).map((t) => t.id)).toEqual([info.id]);
  });

  it('is refused for an unknown cluster or a lifetime out of bounds, and revoked once', async () => {
    await expect(createJoinToken(database, 'prod-us', {}, { actor: 'ops' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no cluster prod-us: register it first' });
    await expect(createJoinToken(database, 'prod-eu', { expiresInHours: 0 }, { actor: 'ops' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(createJoinToken(database, 'prod-eu', { expiresInHours: 721 }, { actor: 'ops' })).rejects.toThrow('a join token lives 1 to 720 hours; 721 asked');
    const { token, info } = await createJoinToken(database, 'prod-eu', {}, { actor: 'ops' });
    await revokeJoinToken(database, info.id, { actor: 'ops', reason: 'leaked' });
    expect(await checkJoinToken(database, token)).toBeUndefined();
    await expect(revokeJoinToken(database, info.id, { actor: 'ops' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(revokeJoinToken(database, '000000000000', { actor: 'ops' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
