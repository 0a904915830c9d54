// Flow records against a real PostgreSQL with the migrations applied: a batch delivered twice
// is stored once, day partitions are made as records arrive and dropped by retention, and every
// filter narrows as `palisade flows` promises.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRecord } from '@palisade/contracts';
import { applyMigrations, createDbClient, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { aggregateFlows, dropExpiredFlows, flowCursorNow, flowsAfter, insertFlows, newestFlowsAfter, queryFlows, windowTraffic } from './index.js';

let db: TestDatabase;
let database: DbClient;

const record = (n: number, over: Partial<FlowRecord> = {}): FlowRecord => ({
  id: n.toString(16).padStart(32, '0'),
  cluster: 'alpha',
  node: 'n1',
  reporter: 'dst',
  startTime: '2026-12-01T10:00:00.000Z',
  endTime: '2026-12-01T10:00:10.000Z',
  source: { namespace: 'shop', name: 'frontend-1', labels: { app: 'frontend' }, ip: '10.0.0.1' },
  destination: { namespace: 'shop', name: 'api-1', labels: { app: 'api' }, ip: '10.0.0.2' },
  protocol: 'TCP',
  port: 8080,
  action: 'Allow',
  policy: 'default/shop/api-ingress/0',
  packets: 10,
  bytes: 1_200,
  connectionsStarted: 1,
  connectionsCompleted: 1,
  ...over,
});

beforeAll(async () => {
  db = await createTestDatabase('flow_store');
  await applyMigrations(db.url);
  database = createDbClient(db.url, { max: 2 });
});

afterAll(async () => {
  await database?.close();
  await db?.drop();
});

describe('flow store', () => {
  it('stores a batch once however often it is delivered, and reads it back as written', async () => {
    const batch = [record(1), record(2, { action: 'Deny', policy: 'security/end-of-tier', source: { namespace: 'other', name: null, labels: {}, ip: '10.9.9.9' }, port: 22 })];
    expect(await insertFlows(database, batch)).toBe(2);
    expect(await insertFlows(database, batch)).toBe(0);
    const all = await queryFlows(database, {});
    expect(all).toHaveLength(2);
    expect(all.find((r) => r.id === batch[0]!.id)).toEqual(batch[0]);
  });

  it('filters by cluster, namespace, endpoint, action, policy prefix and time', async () => {
    await insertFlows(database, [record(3, { cluster: 'beta', startTime: '2026-12-02T09:00:00.000Z', endTime: '2026-12-02T09:00:10.000Z' }), record(4, { policy: 'default/shop/api-ingress_x/1' })]);
    const ids = async (f: Parameters<typeof queryFlows>[1]) => (await queryFlows(database, f)).map((r) => parseInt(r.id, 16)).sort();
    expect(await ids({ cluster: 'beta' })).toEqual([3]);
    expect(await ids({ namespace: 'other' })).toEqual([2]);
    expect(await ids({ endpoint: '10.9.9.9' })).toEqual([2]);
    expect(await ids({ endpoint: 'api-1', action: 'Deny' })).toEqual([2]);
    expect(await ids({ action: 'Allow', cluster: 'alpha' })).toEqual([1, 4]);
    // A policy prefix is literal: "_" is not a wildcard.
    expect(await ids({ policy: 'default/shop/api-ingress/' })).toEqual([1, 3]);
    expect(await ids({ policy: 'default/shop/api_ingress' })).toEqual([]);
    expect(await ids({ policy: 'default/shop/api-ingress_' })).toEqual([4]);
    expect(await ids({ since: new Date('2026-12-02T00:00:00Z') })).toEqual([3]);
    expect(await ids({ until: new Date('2026-12-02T00:00:00Z'), limit: 2 })).toHaveLength(2);
  });

  it("sums a cluster's traffic over a window per source, destination, port, verdict and policy", async () => {
    const at = (minute: number) => ({ startTime: `2026-12-01T11:${String(minute).padStart(2, '0')}:00.000Z`, endTime: `2026-12-01T11:${String(minute).padStart(2, '0')}:10.000Z` });
    await insertFlows(database, [
      record(101, { cluster: 'gamma', ...at(1) }),
      record(102, { cluster: 'gamma', node: 'n2', ...at(2) }),
      record(103, { cluster: 'gamma', ...at(3), action: 'Deny', policy: 'security/end-of-tier', source: { namespace: null, name: null, labels: {}, ip: '192.0.2.7' } }),
      record(104, { cluster: 'gamma', ...at(9) }),
      // An interval that straddles the window's end (a change made mid-interval): in neither side's window.
      record(105, { cluster: 'gamma', startTime: '2026-12-01T11:04:55.000Z', endTime: '2026-12-01T11:05:05.000Z', action: 'Deny', policy: 'default/shop/new-release/0' }),
    ]);
    expect(await windowTraffic(database, { cluster: 'gamma', from: new Date('2026-12-01T11:00:00Z'), to: new Date('2026-12-01T11:05:00Z') })).toEqual([
      { source: 'shop/frontend-1', destination: 'shop/api-1', protocol: 'TCP', port: 8080, action: 'Allow', policy: 'default/shop/api-ingress/0', flows: 2 },
      { source: '192.0.2.7', destination: 'shop/api-1', protocol: 'TCP', port: 8080, action: 'Deny', policy: 'security/end-of-tier', flows: 1 },
    ]);
  });

  it('sums per interval and action, and follows new records from a cursor without skipping or repeating', async () => {
    const buckets = await aggregateFlows(database, { cluster: 'alpha' }, 60);
    expect(buckets).toEqual([
      { start: '2026-12-01T10:00:00.000Z', action: 'Allow', records: 2, packets: 20, bytes: 2_400 },
      { start: '2026-12-01T10:00:00.000Z', action: 'Deny', records: 1, packets: 10, bytes: 1_200 },
    ]);
    const start = await flowsAfter(database, { cluster: 'alpha' });
    expect(start.records).toEqual([]);
    // Stored just after the cursor, and settled (older than the settle window) by the time they are read.
    await insertFlows(database, [record(10), record(11)]);
    const cursorAt = start.cursor.split('|')[0]!;
    await database.execute`UPDATE flow_records SET ingested_at = ${cursorAt}::timestamptz + interval '100 milliseconds' WHERE id IN (${record(10).id}, ${record(11).id})`;
    await new Promise((r) => setTimeout(r, 300));
    const first = await flowsAfter(database, { cluster: 'alpha', limit: 1 }, start.cursor);
    expect(first.records.map((r) => parseInt(r.id, 16))).toEqual([10]);
    const second = await flowsAfter(database, { cluster: 'alpha' }, first.cursor);
    expect(second.records.map((r) => parseInt(r.id, 16))).toEqual([11]);
    expect((await flowsAfter(database, { cluster: 'alpha' }, second.cursor)).records).toEqual([]);
    // Younger than the settle window: not yet.
    await insertFlows(database, [record(12)]);
    expect((await flowsAfter(database, { cluster: 'alpha' }, second.cursor)).records).toEqual([]);
  });

  it('gives a live reader the newest records after its cursor and counts the ones it passed over', async () => {
    const cursor = await flowCursorNow(database);
    const ids = [20, 21, 22, 23, 24];
    await insertFlows(
      database,
      ids.map((n) => record(n, { cluster: 'gamma' })),
    );
    // Stored in this order just after the cursor, and settled by the time they are read.
    for (const [i, n] of ids.entries())
      await database.execute`UPDATE flow_records SET ingested_at = ${cursor.split('|')[0]}::timestamptz + make_interval(secs => ${(i + 1) / 10}) WHERE id = ${record(n).id}`;
    await new Promise((r) => setTimeout(r, 700));
    const first = await newestFlowsAfter(database, { cluster: 'gamma', limit: 2 }, cursor);
    expect(first.records.map((r) => parseInt(r.id, 16))).toEqual([23, 24]);
    expect(first.skipped).toBe(3);
    expect(await newestFlowsAfter(database, { cluster: 'gamma', limit: 2 }, first.cursor)).toEqual({ records: [], skipped: 0, cursor: first.cursor });
    // A page that is not full passed nothing over; the filter narrows what is counted too.
    const denied = await newestFlowsAfter(database, { cluster: 'gamma', action: 'Deny', limit: 2 }, cursor);
    expect(denied).toEqual({ records: [], skipped: 0, cursor });
    const all = await newestFlowsAfter(database, { cluster: 'gamma', limit: 10 }, cursor);
    expect(all.records.map((r) => parseInt(r.id, 16))).toEqual(ids);
    expect(all.skipped).toBe(0);
    await expect(newestFlowsAfter(database, { cluster: 'gamma' }, 'not-a-cursor')).rejects.toThrow('is not a flow cursor');
  });

  it('keeps each day in its own partition and drops whole days past retention', async () => {
    const parts = async () =>
      (
        await database.query<
          { relname: string }[]
        >`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'flow_records' ORDER BY 1`
      ).map((r) => r.relname);
    expect(await parts()).toEqual(['flow_records_20261201', 'flow_records_20261202']);
    expect(await dropExpiredFlows(database, 1, new Date('2026-12-03T12:00:00Z'))).toBe(1);
    expect(await parts()).toEqual(['flow_records_20261202']);
    expect((await queryFlows(database, {})).map((r) => r.cluster)).toEqual(['beta']);
  });
});
