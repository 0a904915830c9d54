import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainProjection } from '@palisade/domain';
import { applyMigrations, catchUp, countEvents, createDbClient, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', version: 't', startedAt: new Date(0).toISOString(), checks: [] });

const knp = (ns: string, name = 'web') => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { podSelector: { matchLabels: { app: name } } } });
const np = (ns: string, tier: string | undefined, order: number) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name: tier ? `${tier}.guard` : 'guard', namespace: ns },
  spec: { ...(tier ? { tier } : {}), order, selector: 'all()', ingress: [{ action: 'Deny', source: { nets: ['192.0.2.0/24'] } }] },
});
const gnp = { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-blue' }, spec: { selector: "color == 'blue'", types: ['Ingress'] } };
const tier = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } };

describe('resources and audit procedures', () => {
  let db: TestDatabase;
  let database: DbClient;
  const as = (principal?: Principal) => createCaller({ requestId: 'test', health, db: database, ...(principal ? { principal } : {}) });
  const dev: Principal = { actor: 'token:dana', role: 'developer', namespaces: ['shop'] };
  const sec: Principal = { actor: 'token:sam', role: 'security-admin' };
  const viewer: Principal = { actor: 'token:vic', role: 'viewer' };
  const count = () => countEvents(database);
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as TRPCError,
    );

  beforeAll(async () => {
    db = await createTestDatabase('api');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 4 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('refuses every call without a valid token', async () => {
    const error = await refusal(as().resources.list({}));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('Authorization: Bearer') });
    await expect(as().health.check()).resolves.toMatchObject({ status: 'ok' });
  });

  it('lets a developer write policy in their namespace, records them as the actor, and refuses the rest writing nothing', async () => {
    const result = await as(dev).resources.put({ resources: [knp('shop')], reason: 'let web talk' });
    expect(result.changes).toEqual([expect.objectContaining({ key: 'KubernetesNetworkPolicy/shop/web', op: 'applied' })]);
    const log = await as(viewer).audit.log({ resource: 'KubernetesNetworkPolicy/shop/web' });
    expect(log.events[0]).toMatchObject({ actor: 'token:dana', reason: 'let web talk' });

    const before = await count();
    const elsewhere = await refusal(as(dev).resources.put({ resources: [knp('shop', 'api'), knp('payments')] }));
    expect(elsewhere).toMatchObject({ code: 'FORBIDDEN', message: 'token:dana (developer) may not write in namespace payments (write:namespaced-policy is granted in: shop)' });
    expect(await refusal(as(dev).resources.put({ resources: [gnp] }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('lacks write:global-policy') });
    expect(await refusal(as(viewer).resources.put({ resources: [knp('shop', 'x')] }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count()).toBe(before);
  });

  it("keeps developers out of the security team's tier, even in their own namespace", async () => {
    await as(sec).resources.put({ resources: [tier, gnp, np('shop', 'security', 10)] });
    const key = 'NetworkPolicy/shop/security.guard';
    const loosen = { ...np('shop', 'security', 10), spec: { ...np('shop', 'security', 10).spec, ingress: [] } };
    expect(await refusal(as(dev).resources.put({ resources: [loosen] }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not write in tier security') });
    expect(await refusal(as(dev).resources.delete({ keys: [key] }))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await as(dev).resources.get({ key })).resource).toMatchObject({ spec: { ingress: [{ action: 'Deny' }] } });
  });

  it('turns a stale write into a conflict, bad input into located errors, and a missing key into not found', async () => {
    const key = 'KubernetesNetworkPolicy/shop/web';
    const seen = await as(dev).resources.get({ key });
    await as(dev).resources.put({ resources: [{ ...knp('shop'), spec: { podSelector: { matchLabels: { app: 'web', v: '2' } } } }] });
    const stale = await refusal(as(dev).resources.put({ resources: [{ ...knp('shop'), spec: { podSelector: {} } }], expectedVersions: { [key]: seen.version } }));
    expect(stale).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`is at version ${seen.version + 1}, not the expected ${seen.version}`) });
    const yaml = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Sideways]\n';
    const bad = await refusal(as(dev).resources.put({ documents: yaml }));
    expect(bad).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/line 6:\d+ spec\.policyTypes\[0\]/) });
    expect(await refusal(as(dev).resources.get({ key: 'KubernetesNetworkPolicy/shop/nope' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(as(dev).resources.put({ documents: yaml, resources: [knp('shop')] }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('give one of documents') });
    // What get returns carries its version: sent back after someone else's write, it conflicts.
    await as(dev).resources.put({ resources: [knp('shop', 'rv')] });
    const current = await as(dev).resources.get({ key: 'KubernetesNetworkPolicy/shop/rv' });
    expect(current.resource.metadata.resourceVersion).toBe(String(current.version));
    await as(dev).resources.put({ resources: [{ ...current.resource, spec: { podSelector: {} } }] });
    expect(await refusal(as(dev).resources.put({ resources: [{ ...current.resource, spec: { podSelector: { matchLabels: { app: 'x' } } } }] }))).toMatchObject({ code: 'CONFLICT' });
    // Files are validated one by one: a problem names its file and line.
    const files = await refusal(
      as(dev).resources.put({
        files: [
          { name: 'good.yaml', documents: JSON.stringify(knp('shop', 'fine')) },
          { name: 'policies/bad.yaml', documents: yaml },
        ],
      }),
    );
    expect(files).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^1 problem: policies\/bad\.yaml line 6:\d+ spec\.policyTypes\[0\]/) });
    expect(await refusal(as(dev).resources.get({ key: 'KubernetesNetworkPolicy/shop/fine' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets only admins manage tokens; the secret appears once, in the create response', async () => {
    const admin: Principal = { actor: 'token:root', role: 'admin' };
    const made = await as(admin).tokens.create({ token: { name: 'ci', role: 'viewer', expiresInDays: 30 }, reason: 'pipeline' });
    expect(made.token).toMatch(/^pal_/);
    expect(made.info).toMatchObject({ name: 'ci', role: 'viewer', createdBy: 'token:root', revokedAt: null });
    expect(JSON.stringify(await as(admin).tokens.list())).not.toContain(made.token.slice(17));
    for (const p of [dev, sec, viewer]) expect(await refusal(as(p).tokens.list())).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('lacks token:manage') });
    expect(await refusal(as(admin).tokens.create({ token: { name: 'd', role: 'developer' } }))).toMatchObject({ code: 'BAD_REQUEST' });
    // A live token's name is its own: a second "ci" with more rights is a conflict naming the first.
    expect(await refusal(as(admin).tokens.create({ token: { name: 'ci', role: 'admin' } }))).toMatchObject({
      code: 'CONFLICT',
      message: `token name "ci" is taken: live token ${made.info.id} (viewer, expires ${made.info.expiresAt}) holds it; revoke it or choose another name`,
    });
    await as(admin).tokens.revoke({ id: made.info.id, reason: 'rotated' });
    expect(await refusal(as(admin).tokens.revoke({ id: made.info.id }))).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('already revoked') });
  });

  it('lists what was just written, before the projection has caught up, a page at a time', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    await as(sec).resources.put({ resources: names.slice(0, 3).map((n) => knp('listing', n)) });
    await catchUp(database, domainProjection);
    // Written after the projection's last run: d and e are new, a is gone.
    await as(sec).resources.put({ resources: names.slice(3).map((n) => knp('listing', n)) });
    await as(sec).resources.delete({ keys: ['KubernetesNetworkPolicy/listing/a'] });
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await as(viewer).resources.list({ namespace: 'listing', limit: 2, ...(after ? { after } : {}) });
      seen.push(...page.items.map((i) => i.resource.metadata.name));
      expect(page.items.every((i) => i.resource.metadata.resourceVersion === String(i.version))).toBe(true);
      after = page.next;
    } while (after);
    expect(seen).toEqual(['b', 'c', 'd', 'e']);
    expect((await as(viewer).resources.list({ type: 'GlobalNetworkPolicy' })).items.map((i) => i.key)).toEqual(['GlobalNetworkPolicy/deny-blue']);
  });

  it('answers audit questions: history, as-of, diff, verify', async () => {
    const history = await as(viewer).audit.log({ resource: 'KubernetesNetworkPolicy/shop/web' });
    expect(history.events.map((e) => e.version)).toEqual([1, 2]);
    const first = history.events[0]!.position;
    const then = await as(viewer).audit.asOf({ at: { position: first }, key: 'KubernetesNetworkPolicy/shop/web' });
    expect(then.resources['KubernetesNetworkPolicy/shop/web']).toMatchObject({ spec: { podSelector: { matchLabels: { app: 'web' } } } });
    const diff = await as(viewer).audit.diff({ from: { position: first }, to: { time: new Date().toISOString() } });
    expect(diff.text).toContain('~ KubernetesNetworkPolicy/shop/web\n    spec.podSelector.matchLabels.v: (absent) -> "2"');
    expect(diff.text).toContain('+ GlobalNetworkPolicy/deny-blue');
    // A full verification reads every event: security admins and admins only.
    expect(await refusal(as(viewer).audit.verify())).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('audit:verify') });
    expect(await as(sec).audit.verify()).toMatchObject({ ok: true });
  });
});
