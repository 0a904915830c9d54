import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '@palisade/contracts';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { insertFlows } from '@palisade/flow-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', checks: [] });

const pod = (name: string, app: string, ip: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {app: ${app}, pod-template-hash: h1}}\nspec: {nodeName: n1, containers: [{name: c}]}\nstatus: {podIP: ${ip}}\n`;

const end = (name: string, app: string, ip: string) => ({ namespace: 'shop', name, labels: { app, 'pod-template-hash': 'h1' }, ip });

function flow(i: number, source: ReturnType<typeof end>, destination: ReturnType<typeof end>, port: number, minutesAgo: number): FlowRecord {
  const at = Date.now() - minutesAgo * 60_000;
  return {
    id: i.toString(16).padStart(32, '0'),
    cluster: 'prod-eu',
    node: 'n1',
    reporter: 'dst',
    startTime: new Date(at - 10_000).toISOString(),
    endTime: new Date(at).toISOString(),
    source,
    destination,
    protocol: 'TCP',
    port,
    action: 'Allow',
    policy: '__PROFILE__/kns.shop/0',
    packets: 5,
    bytes: 500,
    connectionsStarted: 1,
    connectionsCompleted: 1,
  };
}

describe('recommendations through the gateway', () => {
  let db: TestDatabase;
  let database: DbClient;
  const admin: Principal = { actor: 'token:ada#000000000001(admin)', role: 'admin' };
  const dev: Principal = { actor: 'token:dana#000000000003(developer)', role: 'developer', namespaces: ['shop'] };
  const outsider: Principal = { actor: 'token:olly#000000000004(developer)', role: 'developer', namespaces: ['other'] };
  const as = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, principal });

  beforeAll(async () => {
    db = await createTestDatabase('api_recommend');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    await as(admin).resources.put({
      documents: ['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n', pod('web-1', 'web', '10.0.0.1'), pod('api-1', 'api', '10.0.0.2'), pod('idle-1', 'idle', '10.0.0.3')].join('---\n'),
    });
    const web = end('web-1', 'web', '10.0.0.1');
    const api = end('api-1', 'api', '10.0.0.2');
    // Inside the hour: web → api:8080 (twice) and :9090; three hours ago: web → api:22, outside the window.
    await insertFlows(database, [flow(1, web, api, 8080, 5), flow(2, web, api, 8080, 10), flow(3, web, api, 9090, 20), flow(4, web, api, 22, 180)]);
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('recommends staged policy for every workload from the window of flows, nothing broader', async () => {
    const result = await as(dev).recommend.generate({ namespace: 'shop' });
    expect(result.policies.map((p) => p.resource.metadata.name)).toEqual(['recommended-api', 'recommended-idle', 'recommended-web']);
    const api = result.policies[0]!.resource as unknown as { spec: { ingress: { source: unknown; destination: unknown }[] } };
    expect(api.spec.ingress).toEqual([expect.objectContaining({ source: { selector: "app == 'web'" }, destination: { ports: [8080, 9090] } })]);
    expect([result.ruleCount, result.observedConversations, result.flowRecords]).toEqual([2, 4, 3]);
    const wider = await as(dev).recommend.generate({ namespace: 'shop', windowMinutes: 240 });
    expect(JSON.stringify(wider.policies[0]!.resource)).toContain('22');
    await expect(as(dev).recommend.generate({ namespace: 'shop', selector: 'app ==' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^selector: /) });
  });

  it('saves them staged, then promotes them to enforced as one correlated change', async () => {
    const result = await as(dev).recommend.generate({ namespace: 'shop' });
    const saved = await as(dev).resources.put({ resources: result.policies.map((p) => p.resource), reason: 'least privilege' });
    const keys = saved.changes.map((c) => c.key);
    expect(keys).toEqual(['StagedNetworkPolicy/shop/recommended-api', 'StagedNetworkPolicy/shop/recommended-idle', 'StagedNetworkPolicy/shop/recommended-web']);
    // Pending verdicts: enforced nothing changes yet, with the staged set web → api:22 would be denied.
    const sim = await as(dev).policy.simulate({ probes: [{ from: 'shop/web-1', to: 'shop/api-1', protocol: 'TCP', port: 22 }] });
    expect([sim.results[0]!.allowed, sim.results[0]!.pending?.allowed]).toEqual([true, false]);
    await expect(as(outsider).recommend.promote({ keys })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const promoted = await as(dev).recommend.promote({ keys, reason: 'ready' });
    expect(promoted.changes.map((c) => `${c.key} ${c.op}`)).toEqual([
      'NetworkPolicy/shop/recommended-api applied',
      'NetworkPolicy/shop/recommended-idle applied',
      'NetworkPolicy/shop/recommended-web applied',
      ...keys.map((k) => `${k} deleted`),
    ]);
    const after = await as(dev).policy.simulate({
      probes: [
        { from: 'shop/web-1', to: 'shop/api-1', protocol: 'TCP', port: 8080 },
        { from: 'shop/web-1', to: 'shop/api-1', protocol: 'TCP', port: 22 },
        { from: 'shop/api-1', to: 'shop/web-1', protocol: 'TCP', port: 8080 },
      ],
    });
    expect(after.results.map((r) => r.allowed)).toEqual([true, false, false]);
    await expect(as(dev).recommend.promote({ keys: ['NetworkPolicy/shop/recommended-api'] })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not a staged policy') });
  });
  it('leaves out what policy denied unless asked, and says how much it left out', async () => {
    const web = end('web-1', 'web', '10.0.0.1');
    const api = end('api-1', 'api', '10.0.0.2');
    await insertFlows(database, [{ ...flow(50, web, api, 5432, 15), action: 'Deny', policy: 'default/shop/db-guard/0' }]);
    const ports = (r: { policies: { resource: unknown }[] }) =>
      (r.policies[0]!.resource as { spec: { ingress: { destination: { ports?: number[] } }[] } }).spec.ingress.flatMap((i) => i.destination.ports ?? []);
    const allowedOnly = await as(dev).recommend.generate({ namespace: 'shop' });
    expect(allowedOnly.deniedConversations).toBe(1);
    expect(ports(allowedOnly)).not.toContain(5432);
    const withDenied = await as(dev).recommend.generate({ namespace: 'shop', includeDenied: true });
    expect(withDenied.deniedConversations).toBe(0);
    expect(ports(withDenied)).toContain(5432);
  });
});
