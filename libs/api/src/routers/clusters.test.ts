import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainProjection } from '@palisade/domain';
import { applyMigrations, catchUp, countEvents, createDbClient, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', checks: [] });

describe("a cluster's desired release", () => {
  let db: TestDatabase;
  let database: DbClient;
  const as = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, principal });
  const admin: Principal = { actor: 'token:ada#000000000001(admin)', role: 'admin' };
  const sec: Principal = { actor: 'token:sam#000000000002(security-admin)', role: 'security-admin' };
  let release = '';

  beforeAll(async () => {
    db = await createTestDatabase('api_clusters');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    await as(sec).resources.put({
      resources: [{ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-blue' }, spec: { selector: "color == 'blue'", types: ['Ingress'] } }],
    });
    release = (await as(sec).releases.create({ reason: 'first' })).hash;
    await as(admin).clusters.register({ name: 'prod-eu', labels: { env: 'prod' } });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('is set by an admin, by hash or unique prefix, and recorded once', async () => {
    expect(await as(admin).clusters.setRelease({ name: 'prod-eu', release, reason: 'wave 1 by hand' })).toEqual({ release, version: 2, changed: true, before: null });
    await catchUp(database, domainProjection);
    const before = await countEvents(database);
    expect(await as(admin).clusters.setRelease({ name: 'prod-eu', release: release.slice(0, 6) })).toMatchObject({ release, changed: false });
    expect(await countEvents(database)).toBe(before);
    expect((await as(admin).clusters.get({ name: 'prod-eu' })).desiredRelease).toBe(release);
  });

  it('gives an admin a join token once, lists it without its secret, and revokes it', async () => {
    const made = await as(admin).clusters.joinToken({ name: 'prod-eu', expiresInHours: 4 });
    expect(made.token).toMatch(/^pal_join_[0-9a-f]{12}_/);
    const listed = await as(admin).clusters.joinTokens({ name: 'prod-eu' });
    expect(listed).toEqual([expect.objectContaining({ id: made.id, cluster: 'prod-eu', revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(made.token.slice(22));
    expect(await as(admin).clusters.revokeJoinToken({ id: made.id, reason: 'done' })).toEqual({ revoked: made.id });
    await expect(as(sec).clusters.joinToken({ name: 'prod-eu' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('is refused to anyone without cluster:manage, for an unknown cluster or release, in sentences', async () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as TRPCError,
      );
    expect(await refusal(as(sec).clusters.setRelease({ name: 'prod-eu', release }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('cluster:manage') });
    expect(await refusal(as(admin).clusters.setRelease({ name: 'prod-us', release }))).toMatchObject({ code: 'NOT_FOUND', message: 'no cluster prod-us: register it first' });
    expect(await refusal(as(admin).clusters.setRelease({ name: 'prod-eu', release: 'ffff' }))).toMatchObject({ code: 'NOT_FOUND', message: 'no release starts with ffff' });
    expect(await refusal(as(admin).clusters.setRelease({ name: 'prod-eu', release: 'latest' }))).toMatchObject({ code: 'BAD_REQUEST' });
  });
});
