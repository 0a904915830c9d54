import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES_PER_CHANGE } from '@palisade/contracts';
import { applyMigrations, countEvents, createDbClient, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { inputProblems } from '../errors.js';
import { createCaller } from '../router.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', version: 't', startedAt: new Date(0).toISOString(), checks: [] });
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
const files = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}/${i}.yaml`, documents: namespace(`${prefix}-${i}`) }));

describe(`resources.put and resources.delete take one change of up to ${RESOURCES_PER_CHANGE} resources`, () => {
  let db: TestDatabase;
  let database: DbClient;
  const admin: Principal = { actor: 'token:ada', role: 'admin' };
  const as = () => createCaller({ requestId: 'test', health, db: database, principal: admin });
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as TRPCError,
    );

  beforeAll(async () => {
    db = await createTestDatabase('api_change_limit');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('applies that many files as one change and deletes that many keys as one change', async () => {
    const put = await as().resources.put({ files: files('a', RESOURCES_PER_CHANGE) });
    expect(put.changes).toHaveLength(RESOURCES_PER_CHANGE);
    const deleted = await as().resources.delete({ keys: put.changes.map((c) => c.key) });
    expect(deleted.changes).toHaveLength(RESOURCES_PER_CHANGE);
    expect(deleted.revision).toBe(put.revision + 1);
  });

  it('refuses one more file, resource or key in a sentence, writing nothing', async () => {
    const before = await countEvents(database);
    // Through the gateway, the error formatter says what inputProblems says.
    const tooManyFiles = await refusal(as().resources.put({ files: files('b', RESOURCES_PER_CHANGE + 1) }));
    expect(tooManyFiles?.code).toBe('BAD_REQUEST');
    expect(inputProblems(tooManyFiles?.cause)).toBe(`invalid request: files: takes at most ${RESOURCES_PER_CHANGE} items`);
    expect(
      await refusal(
        as().resources.put({
          documents: files('c', RESOURCES_PER_CHANGE + 1)
            .map((f) => f.documents)
            .join('---\n'),
        }),
      ),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'the change has more than 10,000 resources: one change takes at most 10,000; apply them in parts',
    });
    const keys = Array.from({ length: RESOURCES_PER_CHANGE + 1 }, (_, i) => `Namespace/d-${i}`);
    const tooManyKeys = await refusal(as().resources.delete({ keys }));
    expect(tooManyKeys?.code).toBe('BAD_REQUEST');
    expect(inputProblems(tooManyKeys?.cause)).toBe(`invalid request: keys: takes at most ${RESOURCES_PER_CHANGE} items`);
    expect(await countEvents(database)).toBe(before);
  });
});
