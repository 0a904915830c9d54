import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { reportObservedRelease } from '@palisade/domain';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', checks: [] });

const gnp = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });

describe('the policy board, endpoints and effective policy', () => {
  let db: TestDatabase;
  let database: DbClient;
  const sec: Principal = { actor: 'token:sam#000000000002(security-admin)', role: 'security-admin' };
  const admin: Principal = { actor: 'token:ada#000000000001(admin)', role: 'admin' };
  const as = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, principal });
  let before = 0;

  beforeAll(async () => {
    db = await createTestDatabase('api_board');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    await as(admin).resources.put({
      documents: `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: c}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {nodeName: n1, containers: [{name: c}]}
status: {podIP: 10.0.0.2}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 10}
`,
    });
    await as(sec).resources.put({
      resources: [
        gnp('security.z-first', { tier: 'security', order: 1, selector: 'all()', ingress: [{ action: 'Pass' }] }),
        gnp('unordered', { selector: "app == 'db'", ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }, { action: 'Deny' }] }),
        gnp('b-ordered', { order: 5, selector: "app == 'web'", types: ['Ingress'] }),
        gnp('a-ordered', { order: 5, selector: "app == 'web'", types: ['Ingress'] }),
      ],
      reason: 'baseline',
    });
    before = (await as(sec).board.policies({})).position;
    await as(sec).resources.put({
      resources: [
        { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'db-in', namespace: 'shop' }, spec: { order: 1, selector: "app == 'db'", ingress: [{ action: 'Allow' }] } },
      ],
      reason: 'let web reach db',
    });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('lists tiers in order and policies in Calico order, each with its last change', async () => {
    const board = await as(sec).board.policies({});
    // Every tier in evaluation order (the built-in Kubernetes tiers too), with how many policies each holds.
    expect(board.tiers.map((t) => [t.name, t.policies])).toEqual([
      ['security', 1],
      ['kube-admin', 0],
      ['default', 4],
      ['kube-baseline', 0],
    ]);
    expect(board.rows.map((r) => r.key)).toEqual([
      'GlobalNetworkPolicy/security.z-first',
      'NetworkPolicy/shop/db-in',
      'GlobalNetworkPolicy/a-ordered',
      'GlobalNetworkPolicy/b-ordered',
      'GlobalNetworkPolicy/unordered',
    ]);
    const unordered = board.rows.find((r) => r.name === 'unordered')!;
    expect(unordered).toMatchObject({ kind: 'global', order: null, ingressRules: 1, egressRules: 2, types: ['Ingress', 'Egress'] });
    expect(unordered.lastChange).toMatchObject({ actor: sec.actor, reason: 'baseline', version: 1 });
    expect(board.rows.find((r) => r.name === 'db-in')!.lastChange?.reason).toBe('let web reach db');
  });

  it('filters by kind, namespace, label and text, and pages', async () => {
    const keys = async (filter: Record<string, string>) => (await as(sec).board.policies({ filter })).rows.map((r) => r.name);
    expect(await keys({ kind: 'namespaced' })).toEqual(['db-in']);
    expect(await keys({ namespace: 'shop' })).toEqual(['db-in']);
    expect(await keys({ label: 'app=web' })).toEqual(['security.z-first', 'a-ordered', 'b-ordered']);
    expect(await keys({ text: 'ORDERED' })).toEqual(['a-ordered', 'b-ordered', 'unordered']);
    const page = await as(sec).board.policies({ offset: 1, limit: 2 });
    expect([page.total, page.rows.map((r) => r.name)]).toEqual([5, ['db-in', 'a-ordered']]);
  });

  it('shows the board as it was at an earlier position', async () => {
    const past = await as(sec).board.policies({ at: { position: before } });
    expect(past.rows.map((r) => r.name)).not.toContain('db-in');
    expect(past.rows).toHaveLength(4);
  });

  it('lists endpoints and the effective policy of one, in evaluation order', async () => {
    const endpoints = await as(sec).board.endpoints({ text: 'app=db' });
    expect(endpoints.endpoints.map((e) => e.id)).toEqual(['shop/db']);
    const effective = await as(sec).board.effective({ endpoint: 'shop/db' });
    expect(effective.ingress.map((t) => [t.tier, t.policies.map((p) => p.id)])).toEqual([
      ['security', ['GlobalNetworkPolicy/security.z-first']],
      ['default', ['NetworkPolicy/shop/db-in', 'GlobalNetworkPolicy/unordered']],
    ]);
    await expect(as(sec).board.effective({ endpoint: 'shop/nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
  it("gives the simulator a cluster's endpoints over the policy set, or over the release the cluster runs", async () => {
    const inventory = async () => [
      {
        cluster: 'eu',
        node: 'n1',
        at: new Date().toISOString(),
        resources: [
          {
            kind: 'Pod' as const,
            metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', live: 'yes' } },
            spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
            status: { podIP: '10.0.0.1' },
          },
        ],
      },
    ];
    const withAgents = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, principal, inventory });
    await withAgents(admin).clusters.register({ name: 'eu', labels: {} });
    await expect(withAgents(sec).board.resources({ cluster: 'eu', policies: 'running' })).rejects.toThrow("cluster eu's agents have not reported a release in force yet");
    const release = await as(admin).releases.create({ reason: 'what eu runs' });
    await reportObservedRelease(database, 'eu', release.hash, { actor: 'agent:eu' });
    await as(sec).resources.put({ resources: [gnp('after-release', { selector: 'all()', ingress: [{ action: 'Deny' }] })], reason: 'not rolled out yet' });
    const names = (r: { resources: unknown[] }) =>
      (r.resources as { kind: string; metadata: { name: string; labels?: Record<string, string> } }[]).filter((x) => x.kind === 'GlobalNetworkPolicy').map((x) => x.metadata.name);
    const head = await withAgents(sec).board.resources({ cluster: 'eu' });
    const running = await withAgents(sec).board.resources({ cluster: 'eu', policies: 'running' });
    expect(names(head)).toContain('after-release');
    expect(names(running)).not.toContain('after-release');
    expect(names(running)).toContain('unordered');
    expect(running.release).toBe(release.hash);
    expect(head.release).toBeNull();
    // The agents' endpoint beats the policy set's copy either way.
    const web = (r: { resources: unknown[] }) =>
      (r.resources as { kind: string; metadata: { name: string; labels?: Record<string, string> } }[]).find((x) => x.kind === 'Pod' && x.metadata.name === 'web');
    expect(web(running)?.metadata.labels).toEqual({ app: 'web', live: 'yes' });
    expect(web(head)?.metadata.labels).toEqual({ app: 'web', live: 'yes' });
    await expect(withAgents(sec).board.resources({ policies: 'running' })).rejects.toThrow('need a cluster');
    await expect(withAgents(sec).board.resources({ cluster: 'nowhere', policies: 'running' })).rejects.toThrow('no cluster nowhere');
  });
});
