// Validate, simulate, impact preview, releases, clusters and live events, against a real database.
import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainProjection } from '@palisade/domain';
import { applyMigrations, catchUp, countEvents, createDbClient, logHead, startHorizonNotifier, type DbClient, type HorizonNotifier } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { AgentStatus, HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', version: 't', startedAt: new Date(0).toISOString(), checks: [] });

const cluster = `
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: app}]}
status: {podIP: 10.1.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {nodeName: node-1, containers: [{name: app}]}
status: {podIP: 10.1.0.3}
`;
const denyDb = `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: deny-db, namespace: shop}
spec:
  selector: app == 'db'
  ingress: [{action: Deny}]
`;
const webToDb = { from: 'shop/web', to: 'shop/db', protocol: 'TCP', port: 5432 };

describe('policy, release, cluster and event procedures', () => {
  let db: TestDatabase;
  let database: DbClient;
  let horizon: HorizonNotifier;
  const agents: AgentStatus[] = [
    {
      cluster: 'eu-1',
      node: 'node-1',
      agentVersion: '0.1.0',
      lastSeen: new Date().toISOString(),
      uptimeSeconds: 5,
      heartbeatAgeSeconds: 1,
      alive: true,
      state: 'failed',
      release: null,
      lastError: 'the agent reports no applied release',
      lastDrift: { at: '2026-12-02T10:00:00.000Z', change: 'chain palisade/ingress: rule 3 deleted out of band' },
    },
  ];
  const as = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, horizon, principal, agents: () => agents });
  const admin: Principal = { actor: 'token:root', role: 'admin' };
  const sec: Principal = { actor: 'token:sam', role: 'security-admin' };
  const viewer: Principal = { actor: 'token:vic', role: 'viewer' };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as TRPCError,
    );
  const count = () => countEvents(database);

  beforeAll(async () => {
    db = await createTestDatabase('api_policy');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 4 });
    horizon = startHorizonNotifier(database);
    await as(admin).resources.put({ documents: cluster, reason: 'cluster state' });
  });
  afterAll(async () => {
    await horizon?.close();
    await database?.close();
    await db?.drop();
  });

  it('validates without storing, every error located', async () => {
    const before = await count();
    const ok = await as(viewer).policy.validate({ documents: denyDb });
    expect(ok).toMatchObject({ valid: true, errors: [], documents: [{ kind: 'NetworkPolicy', name: 'deny-db', valid: true, errors: [] }] });
    const bad = await as(viewer).policy.validate({ documents: denyDb.replace("app == 'db'", "app == 'db") });
    expect(bad.valid).toBe(false);
    expect(bad.documents[0]!.errors).toEqual([expect.objectContaining({ path: 'spec.selector', line: 6 })]);
    expect(await count()).toBe(before);
  });

  it('refuses an invalid apply with located problems in the error data, writing nothing', async () => {
    const before = await count();
    const error = await refusal(as(sec).resources.put({ documents: denyDb.replace('Deny', 'Maybe') }));
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(error!.message).toContain('spec.ingress[0].action');
    expect(await count()).toBe(before);
  });

  it('simulates against the current state, seeing a write at once', async () => {
    expect((await as(viewer).policy.simulate({ probes: [webToDb] })).results[0]).toMatchObject({ allowed: true });
    await as(sec).resources.put({ documents: denyDb });
    const after = await as(viewer).policy.simulate({ probes: [webToDb], explain: true });
    expect(after.results[0]).toMatchObject({ allowed: false, deniedAt: { by: expect.stringContaining('deny-db') } });
    expect(after.results[0]!.trace!.length).toBeGreaterThan(0);
    const unknown = await refusal(as(viewer).policy.simulate({ probes: [{ ...webToDb, to: 'shop/nope' }] }));
    expect(unknown).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('shop/nope') });
  });

  it('previews a change without making it: endpoints newly selected and unselected, flows that change verdict', async () => {
    const before = await count();
    const preview = await as(viewer).policy.preview({ documents: denyDb.replace("app == 'db'", "app == 'web'"), flows: [webToDb, { from: 'shop/db', to: 'shop/web', protocol: 'TCP', port: 80 }] });
    expect(preview.selection).toEqual([expect.objectContaining({ policy: 'NetworkPolicy/shop/deny-db', change: 'modified', selected: ['shop/web'], unselected: ['shop/db'] })]);
    expect(preview.flows.changed.map((c) => [c.index, c.before.allowed, c.after.allowed])).toEqual([
      [0, false, true],
      [1, true, false],
    ]);
    const relabel = await as(viewer).policy.preview({ deletes: ['NetworkPolicy/shop/deny-db'], flows: [webToDb] });
    expect(relabel.selection).toEqual([expect.objectContaining({ change: 'removed', unselected: ['shop/db'] })]);
    expect(await count()).toBe(before);
    // The live state is untouched by previews.
    expect((await as(viewer).policy.simulate({ probes: [webToDb] })).results[0]!.allowed).toBe(false);
    expect(await refusal(as(viewer).policy.preview({ flows: [webToDb] }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('nothing to preview') });
  });

  it('creates content-addressed releases (security-admins), lists and diffs them', async () => {
    expect(await refusal(as(viewer).releases.create({}))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('release:create') });
    const first = await as(sec).releases.create({ reason: 'r1' });
    expect(first).toMatchObject({ created: true, resourceCount: 4 });
    expect(await as(sec).releases.create({})).toMatchObject({ hash: first.hash, created: false });
    await as(sec).resources.put({ documents: denyDb.replace('Deny', 'Allow') });
    const second = await as(sec).releases.create({ reason: 'r2' });
    await catchUp(database, domainProjection);
    const list = await as(viewer).releases.list({});
    expect(list.releases.map((r) => [r.hash, r.reason, r.actor])).toEqual([
      [second.hash, 'r2', 'token:sam'],
      [first.hash, 'r1', 'token:sam'],
    ]);
    const diff = await as(viewer).releases.diff({ from: first.hash, to: second.hash });
    expect(diff.text).toContain('spec.ingress[0].action: "Deny" -> "Allow"');
    expect((await as(viewer).releases.get({ hash: first.hash })).resources).toHaveLength(4);
    expect(await refusal(as(viewer).releases.get({ hash: '0'.repeat(64) }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('registers clusters (admins), lists them with their agents', async () => {
    expect(await refusal(as(sec).clusters.register({ name: 'eu-1', labels: {} }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('cluster:manage') });
    expect(await as(admin).clusters.register({ name: 'eu-1', labels: { region: 'eu' } })).toMatchObject({ changed: true });
    expect(await refusal(as(admin).clusters.register({ name: 'EU 1', labels: {} }))).toMatchObject({ code: 'BAD_REQUEST' });
    await catchUp(database, domainProjection);
    expect(await as(viewer).clusters.list()).toEqual([expect.objectContaining({ name: 'eu-1', labels: { region: 'eu' }, inSync: false, agents: { total: 1, alive: 1 } })]);
    expect(await as(viewer).clusters.get({ name: 'eu-1' })).toMatchObject({
      name: 'eu-1',
      agents: { total: 1, alive: 1 },
      nodes: [
        {
          node: 'node-1',
          state: 'failed',
          release: null,
          version: '0.1.0',
          lastError: 'the agent reports no applied release',
          lastDrift: { at: '2026-12-02T10:00:00.000Z', change: 'chain palisade/ingress: rule 3 deleted out of band' },
          heartbeatAgeSeconds: 1,
        },
      ],
    });
    expect(await as(viewer).agents.list({ cluster: 'us-1' })).toEqual([]);
  });

  it('streams events after a position, then live ones as they commit', async () => {
    const head = await logHead(database);
    const stream = await as(viewer).events.subscribe({ after: head - 2 });
    // Called directly, a subscription yields tracked envelopes ([id, data, marker]); over HTTP they arrive as SSE ids.
    const seen: number[] = [];
    const done = (async () => {
      for await (const message of stream) {
        seen.push(Number((message as unknown as [string])[0]));
        if (seen.length === 3) break;
      }
    })();
    await as(sec).resources.put({ documents: denyDb.replace('Allow', 'Deny'), reason: 'live' });
    await done;
    expect(seen).toEqual([head - 1, head, head + 1]);
  });
});
