import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { appendInTransaction, applyMigrations, CommittedHorizon, createDbClient, EventKey, logHead, type DbClient } from '@palisade/event-store';
import { resourcesAsOf, resourcesByProbe } from '../audit.js';
import { registerCluster } from '../clusters.js';
import { resourcesFromSnapshot, SnapshotAuthError, snapshotLag, takeSnapshot } from './snapshots.js';
import { applyResources, deleteResources } from './write.js';

/** A seeded PRNG (mulberry32): every run writes the same history. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gnp = (i: number, order: number) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  metadata: { name: `g-${i}` },
  spec: { order, selector: `app == 'a${i}'`, ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [1000 + order] } }] },
});
const np = (i: number, order: number) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name: `n-${i}`, namespace: `ns-${i % 3}` },
  spec: { order, selector: "role == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [2000 + order] } }] },
});
const keyOf = (i: number) => (i % 2 ? `GlobalNetworkPolicy/g-${i}` : `NetworkPolicy/ns-${i % 3}/n-${i}`);
const resource = (i: number, order: number) => (i % 2 ? gnp(i, order) : np(i, order));

/** Takes every snapshot that is due. */
async function snapshotAll(db: DbClient, horizon: CommittedHorizon, interval: number): Promise<number> {
  let taken = 0;
  while ((await takeSnapshot(db, horizon, { interval })) > 0) taken++;
  return taken;
}

describe('resource snapshots', () => {
  let db: TestDatabase;
  let database: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('snapshots');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 6 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('as-of from the nearest snapshot and the events after it equals probing every stream, at every position of a random history', async () => {
    const random = prng(17);
    const horizon = new CommittedHorizon();
    const live = new Set<number>();
    let deletes = 0;
    for (let step = 0; step < 90; step++) {
      const roll = random();
      if (roll < 0.15 && live.size > 0) {
        // Delete one or two existing resources.
        const keys = [...live].filter(() => random() < 0.5).slice(0, 2);
        if (keys.length === 0) keys.push([...live][0]!);
        await deleteResources(database, keys.map(keyOf), { actor: 'snapshots', reason: `step ${step}` });
        for (const k of keys) live.delete(k);
        deletes++;
      } else if (roll < 0.25) {
        // Events of other streams leave positions a resource replay must step over.
        await registerCluster(database, `c-${step}`, { env: 'test' }, { actor: 'snapshots' });
      } else {
        const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.floor(random() * 12));
        const unique = [...new Set(batch)];
        await applyResources(
          database,
          unique.map((i) => resource(i, step)),
          { actor: 'snapshots', reason: `step ${step}` },
        );
        for (const i of unique) live.add(i);
      }
      // Snapshots are taken as the history grows, as the loop does.
      if (step % 9 === 0) await snapshotAll(database, horizon, 5);
    }
    await snapshotAll(database, horizon, 5);
    const head = await logHead(database);
    const [{ n, largest }] = (await database.query`SELECT count(*)::int AS n, max(resource_count) AS largest FROM resource_snapshots`) as [{ n: number; largest: number }];
    // The history is the kind the check needs: many snapshots, of sets that grew and shrank.
    expect(n).toBeGreaterThanOrEqual(Math.floor(head / 5) - 1);
    expect(largest).toBeGreaterThan(5);
    expect(deletes).toBeGreaterThan(5);
    for (let position = 0; position <= head + 2; position++) {
      const fromSnapshot = await resourcesFromSnapshot(database, position);
      const probed = await resourcesByProbe(database, position);
      expect(fromSnapshot, `position ${position}`).toBeDefined();
      expect([...fromSnapshot!], `position ${position}`).toEqual([...probed]);
      expect([...(await resourcesAsOf(database, { position }))]).toEqual([...probed]);
    }
  });

  it('never takes a snapshot past a position that is not committed yet, and as-of stays right once it commits', async () => {
    const horizon = new CommittedHorizon();
    await snapshotAll(database, horizon, 1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldPosition = 0;
    let taken!: () => void;
    const positionTaken = new Promise<void>((resolve) => (taken = resolve));
    const holder = database.transaction(async (tx) => {
      const [result] = await appendInTransaction(tx, [
        {
          streamId: 'resource/GlobalNetworkPolicy/held',
          expectedVersion: 'any',
          events: [
            {
              id: randomUUID(),
              type: 'Resource.Applied',
              payload: { key: 'GlobalNetworkPolicy/held', type: 'GlobalNetworkPolicy', name: 'held', revision: 0, before: null, after: gnp(99, 1) },
              actor: 'snapshots',
            },
          ],
        },
      ]);
      heldPosition = result!.positions[0]!;
      taken();
      await held;
    });
    await positionTaken;
    // Later writes commit first: the horizon must stop below the held position.
    await applyResources(database, [gnp(50, 1), gnp(51, 1)], { actor: 'snapshots' });
    await snapshotAll(database, horizon, 1);
    const [{ newest }] = (await database.query`SELECT max(position)::int AS newest FROM resource_snapshots`) as [{ newest: number }];
    expect(newest).toBe(heldPosition - 1);
    release();
    await holder;
    await snapshotAll(database, horizon, 1);
    const head = await logHead(database);
    for (let position = heldPosition - 1; position <= head; position++) {
      expect([...(await resourcesAsOf(database, { position }))]).toEqual([...(await resourcesByProbe(database, position))]);
    }
    expect((await resourcesAsOf(database, { position: head })).get('GlobalNetworkPolicy/held')).toEqual(gnp(99, 1));
    expect(await snapshotLag(database, head, { interval: 1 })).toMatchObject({ behind: 0 });
  });

  it('leaves a position too far past the nearest snapshot to the probe, and reports how far the snapshots trail', async () => {
    const snapshotted = await logHead(database);
    await registerCluster(database, 'lagging', {}, { actor: 'snapshots' });
    await registerCluster(database, 'lagging-2', {}, { actor: 'snapshots' });
    const head = await logHead(database);
    expect(head).toBeGreaterThanOrEqual(snapshotted + 2);
    expect(await resourcesFromSnapshot(database, head, head - snapshotted - 1)).toBeUndefined();
    expect(await resourcesFromSnapshot(database, head, head - snapshotted)).toBeDefined();
    const lag = await snapshotLag(database, head, { interval: 1 });
    expect(lag.behind).toBe(head - snapshotted - 1);
    expect(lag.oldestPendingAt).toBeInstanceOf(Date);
  });
});

describe('resource snapshots signed with the event key', () => {
  let db: TestDatabase;
  let database: DbClient;
  let owner: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('snapshots_keyed');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 4, eventKey: new EventKey(randomBytes(32)) });
    owner = createDbClient(db.url, { max: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await owner?.close();
    await db?.drop();
  });

  it('ignores a snapshot whose MAC fails (edited or forged rows), answers from the log, and will not build on it', async () => {
    for (let i = 0; i < 6; i++) await applyResources(database, [gnp(i, i)], { actor: 'snapshots' });
    const horizon = new CommittedHorizon();
    expect(await snapshotAll(database, horizon, 3)).toBeGreaterThanOrEqual(2);
    const rows = await owner.query<{ position: bigint; mac: string | null }[]>`SELECT position, mac FROM resource_snapshots ORDER BY position`;
    expect(rows.every((r) => r.mac?.startsWith(`${database.eventKey!.kid}:`))).toBe(true);
    const newest = Number(rows.at(-1)!.position);
    const honest = await resourcesFromSnapshot(database, newest);
    expect(honest?.size).toBe(newest);

    // Someone with write access to the table drops a policy from the newest snapshot.
    const forged = JSON.stringify([...honest!].slice(1));
    await owner.execute`UPDATE resource_snapshots SET resources = ${forged} WHERE position = ${newest}`;
    expect(await resourcesFromSnapshot(database, newest)).toBeUndefined();
    expect([...(await resourcesAsOf(database, { position: newest }))]).toEqual([...honest!]);
    // A client without the key cannot tell, which is why the gateway's clients hold it.
    const keyless = createDbClient(db.url, { max: 1 });
    try {
      expect((await resourcesFromSnapshot(keyless, newest))?.size).toBe(newest - 1);
    } finally {
      await keyless.close();
    }

    // The snapshotter refuses to build the next snapshot on it, and says which and why.
    for (let i = 6; i < 9; i++) await applyResources(database, [gnp(i, i)], { actor: 'snapshots' });
    const refused = await takeSnapshot(database, horizon, { interval: 3 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SnapshotAuthError);
    expect((refused as SnapshotAuthError).message).toContain(`position ${newest} has a MAC that does not match`);

    // A row inserted at the next due position without a MAC is ignored the same way.
    await owner.execute`DELETE FROM resource_snapshots WHERE position = ${newest}`;
    await owner.execute`INSERT INTO resource_snapshots (position, resources, resource_count) VALUES (${newest + 3}, '[]', 0)`;
    expect(await resourcesFromSnapshot(database, newest + 3)).toBeUndefined();
    expect((await resourcesAsOf(database, { position: newest + 3 })).size).toBe(newest + 3);
  });
});
