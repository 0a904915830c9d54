// The flow store's summaries, counted in PostgreSQL: distinct conversations of a namespace (what
// recommendations read), the raw edges of the service graph, and the top denied flows and deciding
// rules of the flow view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '@palisade/contracts';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { distinctFlows, flowEdges, insertFlows, topFlows } from './index.js';

let db: TestDatabase;
let database: DbClient;
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();

const record = (n: number, over: Partial<FlowRecord> = {}): FlowRecord => ({
  id: n.toString(16).padStart(32, '0'),
  cluster: 'alpha',
  node: 'n1',
  reporter: 'dst',
  startTime: at(n % 50),
  endTime: at((n % 50) + 1),
  source: { namespace: 'shop', name: 'web-1', labels: { app: 'web' }, ip: '10.0.0.1' },
  destination: { namespace: 'shop', name: 'api-1', labels: { app: 'api' }, ip: '10.0.0.2' },
  protocol: 'TCP',
  port: 8080,
  action: 'Allow',
  policy: 'default/NetworkPolicy/shop/api-in/0',
  packets: 10,
  bytes: 1_000,
  connectionsStarted: 1,
  connectionsCompleted: 1,
  ...over,
});
const deny = { action: 'Deny' as const, port: 5432, destination: { namespace: 'shop', name: 'db-1', labels: { app: 'db' }, ip: '10.0.0.3' }, policy: 'default/NetworkPolicy/shop/db-in/0' };

beforeAll(async () => {
  db = await createTestDatabase('flow_summaries');
  await applyMigrations(db.url);
  database = createDbClient(db.url, { max: 2 });
  await insertFlows(database, [
    ...Array.from({ length: 5 }, (_, i) => record(i)),
    ...Array.from({ length: 3 }, (_, i) => record(10 + i, deny)),
    record(20, { cluster: 'beta' }),
    record(30, { source: { namespace: 'other', name: 'x-1', labels: { app: 'x' }, ip: '10.1.0.1' }, destination: { namespace: 'other', name: 'y-1', labels: { app: 'y' }, ip: '10.1.0.2' } }),
  ]);
});

afterAll(async () => {
  await database?.close();
  await db?.drop();
});

describe('flow summaries', () => {
  it('counts the distinct conversations of a namespace in a window, busiest first', async () => {
    const { flows, truncated } = await distinctFlows(database, { namespace: 'shop', since: new Date(at(0)), until: new Date(at(59)) });
    expect(truncated).toBe(false);
    expect(flows.map((f) => [f.destination.name, f.port, f.action, f.records])).toEqual([
      ['api-1', 8080, 'Allow', 6],
      ['db-1', 5432, 'Deny', 3],
    ]);
    const allowed = await distinctFlows(database, { namespace: 'shop', since: new Date(at(0)), until: new Date(at(59)), action: 'Allow', cluster: 'alpha' });
    expect(allowed.flows.map((f) => f.records)).toEqual([5]);
    expect((await distinctFlows(database, { namespace: 'shop', since: new Date(at(0)), until: new Date(at(59)), limit: 1 })).truncated).toBe(true);
  });

  it('gives the graph its raw edges per port, verdict and rule', async () => {
    const { edges } = await flowEdges(database, { since: new Date(at(0)), until: new Date(at(59)) });
    expect(edges.map((e) => `${e.source.name}>${e.destination.name}:${e.port}:${e.action}:${e.records}`).sort()).toEqual([
      'web-1>api-1:8080:Allow:6',
      'web-1>db-1:5432:Deny:3',
      'x-1>y-1:8080:Allow:1',
    ]);
    expect((await flowEdges(database, { since: new Date(at(0)), until: new Date(at(59)), namespace: 'other' })).edges).toHaveLength(1);
  });

  it('finds the top denied flows and the rules that decided the most', async () => {
    const denied = await topFlows(database, {}, 'denied-flows');
    expect(denied).toEqual([{ key: 'shop/web-1 → shop/db-1 TCP/5432', action: 'Deny', records: 3, packets: 30, flow: { from: 'shop/web-1', to: 'shop/db-1', protocol: 'TCP', port: 5432 } }]);
    const rules = await topFlows(database, { namespace: 'shop' }, 'policies', 5);
    expect(rules.map((r) => [r.key, r.action, r.records])).toEqual([
      ['default/NetworkPolicy/shop/api-in/0', 'Allow', 6],
      ['default/NetworkPolicy/shop/db-in/0', 'Deny', 3],
    ]);
    expect(await topFlows(database, { cluster: 'beta' }, 'denied-flows')).toEqual([]);
  });
});
