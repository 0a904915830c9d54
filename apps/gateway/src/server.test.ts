import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@palisade/api';
import { HealthReport, redactUrl } from '@palisade/contracts';
import { createTestDatabase, testServices, type TestDatabase } from '@palisade/testing';
import { createToken, revokeToken } from '@palisade/domain';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { loadConfig } from './config.js';
import { openDependencies, type Dependencies } from './dependencies.js';
import { createGatewayServer } from './server.js';

const silent = pino({ level: 'silent' });

async function start(env: Record<string, string>, maxBodyBytes = 1024): Promise<{ url: string; server: Server; deps: Dependencies }> {
  // A fresh writers' key: these tests do not write events.
  const config = loadConfig({ PALISADE_EVENT_KEY: randomBytes(32).toString('base64'), ...env });
  const deps = openDependencies(config, silent, { version: 'test', startedAt: new Date().toISOString() });
  const server = createGatewayServer({ health: deps.health, log: silent, maxBodyBytes });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, deps };
}

async function stop(g: { server: Server; deps: Dependencies }): Promise<void> {
  g.server.closeAllConnections();
  await new Promise((resolve) => g.server.close(resolve));
  await g.deps.close();
}

async function waitForNats(deps: Dependencies): Promise<void> {
  for (let i = 0; i < 50 && !deps.nats(); i++) await new Promise((r) => setTimeout(r, 100));
}

describe('gateway against the real services', () => {
  let gateway: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    const s = testServices();
    gateway = await start({ DATABASE_URL: s.databaseUrl, NATS_URL: s.natsUrl, TEMPORAL_ADDRESS: s.temporalAddress, TEMPORAL_NAMESPACE: s.temporalNamespace });
    await waitForNats(gateway.deps);
  });
  afterAll(() => stop(gateway));

  it('answers /healthz without touching dependencies', async () => {
    const res = await fetch(`${gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('reports every dependency up on /readyz, saying where and which versions only to a token holder', async () => {
    const res = await fetch(`${gateway.url}/readyz`);
    const report = HealthReport.parse(await res.json());
    expect(res.status).toBe(200);
    expect(report.status).toBe('ok');
    // Issue 11, item 10: anonymous callers used to see the database user, host, port and name,
    // server versions and the task queue.
    expect(report.checks.map((c) => Object.keys(c).sort())).toEqual(report.checks.map(() => ['name', 'ok', 'required']));
    expect(report.version).toBeUndefined();
    const full = await gateway.deps.health();
    const byName = Object.fromEntries(full.checks.map((c) => [c.name, c]));
    expect(byName['postgres']).toMatchObject({ ok: true, required: true });
    expect(byName['postgres']?.detail).toMatch(/^PostgreSQL \d+/);
    expect(byName['nats']).toMatchObject({ ok: true, required: true });
    expect(byName['nats']?.detail).toMatch(/JetStream/);
    expect(byName['temporal']).toMatchObject({ ok: true, required: true });
    // No worker polls in this test: shown, but optional.
    expect(byName['worker']).toMatchObject({ ok: false, required: false });
    // Passwords never leave the gateway.
    const { databaseUrl } = testServices();
    expect(byName['postgres']?.target).toBe(redactUrl(databaseUrl));
    const password = new URL(databaseUrl).password;
    if (password) expect(byName['postgres']?.target).not.toContain(password);
  });

  it('serves the same report through tRPC, typed by the router', async () => {
    const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${gateway.url}/trpc` })] });
    const report = await client.health.check.query();
    expect(report.checks.map((c) => c.name).sort()).toEqual(['nats', 'postgres', 'temporal', 'worker']);
  });

  it('echoes a well-formed request id and replaces a bad one', async () => {
    const mine = await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(mine.headers.get('x-request-id')).toBe('abc-123');
    const bad = await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': 'no spaces allowed' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an oversized body with 413 and an unknown route with 404', async () => {
    const big = await fetch(`${gateway.url}/trpc/health.check`, { method: 'POST', body: 'x'.repeat(4096), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const missing = await fetch(`${gateway.url}/nowhere`);
    expect(missing.status).toBe(404);
  });
});

describe('gateway with a dependency down', () => {
  it('starts anyway and reports itself unavailable, naming the dependency', async () => {
    const s = testServices();
    const gateway = await start({ DATABASE_URL: s.databaseUrl, NATS_URL: 'nats://127.0.0.1:1', TEMPORAL_ADDRESS: s.temporalAddress });
    try {
      const res = await fetch(`${gateway.url}/readyz`);
      expect(res.status).toBe(503);
      const report = HealthReport.parse(await res.json());
      expect(report.status).toBe('unavailable');
      expect(report.checks.find((c) => c.name === 'nats')).toEqual({ name: 'nats', ok: false, required: true });
      expect((await gateway.deps.health()).checks.find((c) => c.name === 'nats')).toMatchObject({ ok: false, target: 'nats://127.0.0.1:1' });
      expect(report.checks.find((c) => c.name === 'postgres')?.ok).toBe(true);
    } finally {
      await stop(gateway);
    }
  });
});

describe('the API behind bearer tokens', () => {
  let db: TestDatabase;
  let database: DbClient;
  let url: string;
  let server: Server;

  beforeAll(async () => {
    db = await createTestDatabase('gateway_auth');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    server = createGatewayServer({
      health: async () => ({
        status: 'ok',
        service: 'gateway',
        version: 't',
        startedAt: new Date(0).toISOString(),
        checks: [{ name: 'postgres', ok: true, required: true, target: 'postgres://app:***@db.internal:5432/palisade', latencyMs: 1, detail: 'PostgreSQL 15.20' }],
      }),
      log: silent,
      maxBodyBytes: 1 << 20,
      db: database,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await database?.close();
    await db?.drop();
  });

  const client = (token?: string) => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${url}/trpc`, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) })] });

  it('shows readiness details to a token holder only, on /readyz and through tRPC', async () => {
    const anonymous = await (await fetch(`${url}/readyz`)).text();
    expect(anonymous).not.toContain('db.internal');
    expect(anonymous).not.toContain('15.20');
    const { token } = await createToken(database, { name: 'readiness-viewer', role: 'viewer' }, 'test');
    const withToken = await (await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(withToken).toMatchObject({ version: 't', checks: [{ target: 'postgres://app:***@db.internal:5432/palisade', detail: 'PostgreSQL 15.20' }] });
    expect((await client().health.check.query()).checks[0]).toEqual({ name: 'postgres', ok: true, required: true });
    expect((await client(token).health.check.query()).checks[0]).toMatchObject({ detail: 'PostgreSQL 15.20' });
  });

  it('refuses a call with no token, a malformed one or a revoked one, with 401', async () => {
    const res = await fetch(`${url}/trpc/resources.list`);
    expect(res.status).toBe(401);
    expect(JSON.stringify(await res.json())).toContain('a valid API token is required');
    await expect(client('pal_nonsense').resources.list.query({})).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED', httpStatus: 401 } });
    const { token, info } = await createToken(database, { name: 'short-lived', role: 'viewer' }, 'test');
    await revokeToken(database, info.id, 'test');
    await expect(client(token).resources.list.query({})).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });

  it('serves a valid token and records its holder as the actor of a write', async () => {
    const { token, info } = await createToken(database, { name: 'dana', role: 'developer', namespaces: ['shop'] }, 'test');
    const api = client(token);
    const change = await api.resources.put.mutate({
      resources: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { podSelector: {} } }],
      reason: 'over HTTP',
    });
    expect(change.changes[0]).toMatchObject({ op: 'applied' });
    const history = await api.audit.log.query({ resource: 'KubernetesNetworkPolicy/shop/web' });
    expect(history.events[0]).toMatchObject({ actor: `token:dana#${info.id}(developer)`, reason: 'over HTTP' });
    await expect(
      api.resources.put.mutate({ resources: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'payments' }, spec: { podSelector: {} } }] }),
    ).rejects.toMatchObject({
      data: { code: 'FORBIDDEN', httpStatus: 403 },
      message: `token:dana#${info.id}(developer) may not write in namespace payments (write:namespaced-policy is granted in: shop)`,
    });
  });
});
