// Issue 11, item 3: 200 batched audit.verify calls used to take every database connection, so
// /readyz failed and another user's write got a 500. Expensive reads now wait in a bounded gate.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { append } from '@palisade/event-store';
import { startApi, type ApiHarness } from './test-support/api.js';

describe('expensive reads cannot starve writes', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi('gw_expensive', { rateLimit: { perSecond: 100_000, burst: 100_000 } });
    // A log long enough that each verification takes a while.
    for (let i = 0; i < 40; i++)
      await append(api.database, [
        { streamId: `load/${i}`, expectedVersion: 0, events: Array.from({ length: 100 }, (_, n) => ({ id: randomUUID(), type: 'Load.Tested', payload: { n }, actor: 'system:test' })) },
      ]);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers every write while a flood of verifications waits its turn or is told to retry', async () => {
    const auditor = await api.token('security-admin');
    const writer = await api.token('developer', ['shop']);
    const verify = () => fetch(`${api.url}/trpc/audit.verify`, { headers: { authorization: `Bearer ${auditor}` } });
    const write = (i: number) =>
      fetch(`${api.url}/trpc/resources.put`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ resources: [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `p${i}`, namespace: 'shop' }, spec: { podSelector: {} } }] }),
      });
    // Watches, on a connection of its own, how many verifications the database runs at once.
    const watcher = new pg.Client({ connectionString: api.database.pool.options.connectionString });
    await watcher.connect();
    let peak = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%FULL OUTER JOIN event_chain%' AND pid <> pg_backend_pid()",
        );
        peak = Math.max(peak, Number(rows[0]!.n));
      }
    })();
    const flood = Array.from({ length: 60 }, verify);
    const writes: Response[] = [];
    for (let i = 0; i < 10; i++) writes.push(await write(i));
    const verifies = await Promise.all(flood);
    watching = false;
    await watch;
    await watcher.end();
    expect(peak).toBe(1);

    expect(writes.map((w) => w.status)).toEqual(Array(10).fill(200));
    const statuses = verifies.map((v) => v.status);
    // Some ran (one at a time), the rest were queued or refused with 429: none failed inside.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const refused = verifies.find((v) => v.status === 429);
    if (refused) expect(JSON.stringify(await refused.json())).toContain('the gateway is busy');
  });

  it('keeps a full verification from viewers', async () => {
    const viewer = await api.token('viewer');
    const res = await fetch(`${api.url}/trpc/audit.verify`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(res.status).toBe(403);
    expect(JSON.stringify(await res.json())).toContain('audit:verify');
  });
});
