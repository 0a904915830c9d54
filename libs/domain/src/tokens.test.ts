import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, createDbClient, readStream, sha256Hex, type DbClient } from '@palisade/event-store';
import { auditLog } from './audit.js';
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
    expect(await authenticate(database, made[0]!.token)).toMatchObject({ role: 'admin', actor: `token:bootstrap-admin#${made[0]!.info.id}(admin)` });
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
    expect(await authenticate(database, token)).toEqual({
      tokenId: info.id,
      actor: `token:alice laptop#${info.id}(developer)`,
      role: 'developer',
      namespaces: ['shop'],
      tiers: ['default'],
      expiresAt: info.expiresAt,
    });
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

  it('refuses a second live token with the same name, naming the one that holds it', async () => {
    const dev = await createToken(database, { name: 'dev1', role: 'developer', namespaces: ['shop'] }, 'admin');
    const clash = await createToken(database, { name: 'dev1', role: 'admin' }, 'admin').catch((e: unknown) => e);
    expect(clash).toMatchObject({
      code: 'CONFLICT',
      message: `token name "dev1" is taken: live token ${dev.info.id} (developer, expires ${dev.info.expiresAt!.toISOString()}) holds it; revoke it or choose another name`,
    });
    expect((await listTokens(database)).filter((t) => t.name === 'dev1')).toHaveLength(1);
    // Its writes say which token, under which name and role: never just "token:dev1".
    expect((await authenticate(database, dev.token))!.actor).toBe(`token:dev1#${dev.info.id}(developer)`);
  });

  it('lets a revoked or expired token give up its name', async () => {
    const first = await createToken(database, { name: 'rotating', role: 'viewer' }, 'admin');
    await revokeToken(database, first.info.id, 'admin');
    const second = await createToken(database, { name: 'rotating', role: 'viewer' }, 'admin');
    await database.execute`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${second.info.id}`;
    const third = await createToken(database, { name: 'rotating', role: 'viewer' }, 'admin');
    expect(new Set([first.info.id, second.info.id, third.info.id]).size).toBe(3);
  });

  it('lets exactly one of several concurrent creates of a name through', async () => {
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => createToken(database, { name: 'racer', role: 'viewer' }, 'admin')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('token name "racer" is taken') });
  });

  it('finds what a token wrote by its name, its id or its exact actor, and what was recorded under the name before actors carried ids', async () => {
    const old = await createToken(database, { name: 'ops', role: 'admin' }, 'admin');
    await revokeToken(database, old.info.id, 'admin');
    const ops = await createToken(database, { name: 'ops', role: 'admin' }, 'admin');
    const actor = (await authenticate(database, ops.token))!.actor;
    const oldActor = `token:ops#${old.info.id}(admin)`;
    // One event by each token named ops, and one recorded the old way, by name only.
    await createToken(database, { name: 'by-new', role: 'viewer' }, actor);
    await createToken(database, { name: 'by-old', role: 'viewer' }, oldActor);
    await createToken(database, { name: 'by-name', role: 'viewer' }, 'token:ops');
    const created = async (filter: string) =>
      (await auditLog(database, { actor: filter, streamType: 'token' })).events.filter((e) => e.type === 'Token.Created').map((e) => (e.payload as { name: string }).name);
    expect(await created('token:ops')).toEqual(['by-new', 'by-old', 'by-name']);
    expect(await created(ops.info.id)).toEqual(['by-new']);
    expect(await created(`token:ops#${ops.info.id}`)).toEqual(['by-new']);
    expect(await created(actor)).toEqual(['by-new']);
    expect(await created(oldActor)).toEqual(['by-old']);
    expect(await created(`token:other#${ops.info.id}`)).toEqual([]);
    expect(await created('admin')).toEqual(expect.arrayContaining(['dev1', 'rotating', 'racer']));
  });
});
