import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, createDbClient, readStream, sha256Hex, type DbClient } from '@palisade/event-store';
import { authenticate, bootstrapAdminToken, createToken, listTokens, revokeToken, tokenStream } from './tokens.js';

describe('API tokens', () => {
  let db: TestDatabase;
  let database: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('tokens');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 6 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('makes exactly one bootstrap admin token, however many ask at once', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => bootstrapAdminToken(database)));
    const made = results.filter((r) => r !== undefined);
    expect(made).toHaveLength(1);
    expect(made[0]!.info).toMatchObject({ role: 'admin', name: 'bootstrap-admin', createdBy: 'system:bootstrap' });
    expect(await bootstrapAdminToken(database)).toBeUndefined();
    expect(await authenticate(database, made[0]!.token)).toMatchObject({ role: 'admin', actor: 'token:bootstrap-admin' });
  });

  it('shows the secret once, stores only its hash, and records the creation without it', async () => {
    const { token, info } = await createToken(database, { name: 'alice laptop', role: 'developer', namespaces: ['shop'], expiresInDays: 7 }, 'token:bootstrap-admin', { reason: 'onboarding' });
    expect(token).toMatch(/^pal_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const secret = token.split('_').slice(2).join('_');
    const [row] = await database.query<{ hash: string }[]>`SELECT hash FROM api_tokens WHERE id = ${info.id}`;
    expect(row!.hash).toBe(sha256Hex(secret));
    const [created] = await readStream(database, tokenStream(info.id));
    expect(created).toMatchObject({ type: 'Token.Created', actor: 'token:bootstrap-admin', reason: 'onboarding', payload: { role: 'developer', namespaces: ['shop'], tiers: ['default'] } });
    expect(JSON.stringify(created)).not.toContain(secret);
    expect(JSON.stringify(await listTokens(database))).not.toContain(secret);
    expect(await authenticate(database, token)).toEqual({ tokenId: info.id, actor: 'token:alice laptop', role: 'developer', namespaces: ['shop'], tiers: ['default'], expiresAt: info.expiresAt });
  });

  it('refuses malformed, unknown, wrong-secret, expired and revoked tokens alike', async () => {
    const { token, info } = await createToken(database, { name: 'ci', role: 'viewer', expiresInDays: 1 }, 'admin');
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await authenticate(database, 'Bearer nonsense')).toBeUndefined();
    expect(await authenticate(database, `pal_ffffffffffff_${'a'.repeat(43)}`)).toBeUndefined();
    expect(await authenticate(database, wrong)).toBeUndefined();
    expect(await authenticate(database, token, new Date(Date.now() + 2 * 86_400_000))).toBeUndefined();
    expect(await authenticate(database, token)).toBeDefined();
    await revokeToken(database, info.id, 'admin', 'leaked');
    expect(await authenticate(database, token)).toBeUndefined();
    await expect(revokeToken(database, info.id, 'admin')).rejects.toThrow(/already revoked at/);
    await expect(revokeToken(database, 'nope', 'admin')).rejects.toThrow(/no token nope/);
    expect((await readStream(database, tokenStream(info.id))).map((e) => e.type)).toEqual(['Token.Created', 'Token.Revoked']);
  });

  it('refuses requests that make no sense, naming the field', async () => {
    await expect(createToken(database, { name: 'dev', role: 'developer' }, 'admin')).rejects.toThrow(/namespaces: a developer token must be bound to at least one namespace/);
    await expect(createToken(database, { name: 'x', role: 'root' as never }, 'admin')).rejects.toThrow(/role:/);
    await expect(createToken(database, { name: 'x', role: 'viewer', expiresInDays: 5000 }, 'admin')).rejects.toThrow(/expiresInDays:/);
  });
});
