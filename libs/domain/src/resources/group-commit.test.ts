import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, ConcurrencyError, createDbClient, readStream, type DbClient } from '@palisade/event-store';
import { groupCommitStats } from './group-commit.js';
import { applyResources, currentRevision, deleteResources } from './write.js';

const gnp = (name: string, order: number) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  metadata: { name },
  spec: { order, selector: "app == 'x'", ingress: [{ action: 'Allow' }] },
});

/** What an authorization callback throws (the gateway's own error, here a stand-in). */
class Refused extends Error {}

describe('policy writes commit in groups', () => {
  let db: TestDatabase;
  let database: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('group_commit');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 6 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('gives a burst of writes contiguous revisions in commit order, and keeps each refusal to its own write', async () => {
    await applyResources(database, [gnp('seed', 1)], { actor: 'seed' });
    const start = await currentRevision(database);
    const before = groupCommitStats(database);
    const refuse = () => {
      throw new Refused('not this one');
    };
    // 40 writes at once: every fifth refused (a stale version, or its authorization), the rest distinct resources.
    const writes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 10 === 4
          ? applyResources(database, [gnp('seed', 100 + i)], { actor: `w${i}` }, { expectedVersions: { 'GlobalNetworkPolicy/seed': 7 } })
          : i % 10 === 9
            ? applyResources(database, [gnp(`w${i}`, i)], { actor: `w${i}` }, { authorize: refuse })
            : applyResources(database, [gnp(`w${i}`, i)], { actor: `w${i}`, reason: `write ${i}` }),
      ),
    );
    const after = groupCommitStats(database);
    const landed = writes.flatMap((w) => (w.status === 'fulfilled' ? [w.value] : []));
    expect(landed).toHaveLength(32);
    writes.forEach((w, i) => {
      if (i % 10 === 4) expect(w.status === 'rejected' && w.reason).toBeInstanceOf(ConcurrencyError);
      else if (i % 10 === 9) expect(w.status === 'rejected' && w.reason).toBeInstanceOf(Refused);
    });
    // No revision is lost to a refusal or taken twice.
    expect(landed.map((w) => w.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, k) => start + 1 + k));
    // Revisions follow the log: a higher revision is a later position.
    const byRevision = [...landed].sort((a, b) => a.revision - b.revision);
    const positions = byRevision.map((w) => w.changes[0]!.position!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // Each event carries its own write's revision, actor and reason.
    for (const w of landed) {
      const [stored] = await readStream(database, `resource/${w.changes[0]!.key}`);
      expect(stored).toMatchObject({ position: w.changes[0]!.position, correlationId: w.correlationId, payload: { revision: w.revision } });
      expect(stored!.reason).toBe(`write ${stored!.actor.slice(1)}`);
    }
    // They did share commits, and none is left waiting.
    expect(after.writes - before.writes).toBe(40);
    expect(after.groups - before.groups).toBeLessThan(40);
    expect(after).toMatchObject({ queued: 0, oldestWaitMs: 0 });
  });

  it('puts two writes of one resource in different groups, the later reading what the earlier wrote', async () => {
    const results = await Promise.all([
      applyResources(database, [gnp('twice', 1)], { actor: 'a' }),
      deleteResources(database, ['GlobalNetworkPolicy/twice'], { actor: 'b' }).catch((e: unknown) => e),
      applyResources(database, [gnp('twice', 2)], { actor: 'c' }),
    ]);
    expect(results[1]).toMatchObject({ changes: [{ op: 'deleted', version: 2 }] });
    expect(results[2]).toMatchObject({ changes: [{ op: 'applied', version: 3 }] });
    const stream = await readStream(database, 'resource/GlobalNetworkPolicy/twice');
    expect(stream.map((e) => [e.version, e.actor, e.type])).toEqual([
      [1, 'a', 'Resource.Applied'],
      [2, 'b', 'Resource.Deleted'],
      [3, 'c', 'Resource.Applied'],
    ]);
  });
});
