import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, createDbClient, readStream, type DbClient } from '@palisade/event-store';
import { ValidationFailedError } from './errors.js';
import { deletePlan, getPlan, listPlans, rolloutPlanStream, savePlan } from './rollout-plans.js';

const plan = (soak: string) => `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: { name: two-waves }
spec:
  waves:
    - { name: canary, clusterSelector: "env == 'staging'", soakTime: ${soak} }
    - { name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2 }
`;

describe('rollout plans in the event store', () => {
  let db: TestDatabase;
  let database: DbClient;
  beforeAll(async () => {
    db = await createTestDatabase('rollout_plans');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('stores a plan by name as an event with its actor and reason; the same plan again records nothing', async () => {
    expect(await savePlan(database, plan('0s'), { actor: 'token:sec#000000000001(security-admin)', reason: 'first plan' })).toEqual({ name: 'two-waves', version: 1, changed: true });
    // Formatting is not a change: the checked plan is compared.
    expect(await savePlan(database, plan('0s').replace('{ name: two-waves }', '{name: two-waves}'), { actor: 'ops' })).toEqual({ name: 'two-waves', version: 1, changed: false });
    expect(await savePlan(database, plan('2m'), { actor: 'ops', reason: 'longer canary soak' })).toMatchObject({ version: 2, changed: true });
    const stored = await getPlan(database, 'two-waves');
    expect(stored).toMatchObject({ name: 'two-waves', version: 2, savedBy: 'ops', source: plan('2m') });
    expect(stored!.plan.spec.waves[0]!.soakTime).toBe('2m');
    const events = await readStream(database, rolloutPlanStream('two-waves'));
    expect(events.map((e) => [e.type, e.actor, e.reason])).toEqual([
      ['RolloutPlan.Saved', 'token:sec#000000000001(security-admin)', 'first plan'],
      ['RolloutPlan.Saved', 'ops', 'longer canary soak'],
    ]);
  });

  it('refuses a plan with problems, located, and writes nothing', async () => {
    const error = await savePlan(database, plan('soon'), { actor: 'ops' }, 'plan.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).problems).toEqual([
      { file: 'plan.yaml', index: 0, document: 0, line: 6, column: 60, path: 'spec.waves[0].soakTime', message: '"soon" is not a duration: write it as 30s, 5m, 1h30m or 0s' },
    ]);
    expect((await getPlan(database, 'two-waves'))!.version).toBe(2);
  });

  it('lists plans by name and deletes one', async () => {
    await savePlan(database, plan('0s').replace('two-waves', 'all-at-once'), { actor: 'ops' });
    expect((await listPlans(database)).map((p) => p.name)).toEqual(['all-at-once', 'two-waves']);
    await deletePlan(database, 'all-at-once', { actor: 'ops', reason: 'unused' });
    expect((await listPlans(database)).map((p) => p.name)).toEqual(['two-waves']);
    expect(await getPlan(database, 'all-at-once')).toBeUndefined();
    await expect(deletePlan(database, 'all-at-once', { actor: 'ops' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no rollout plan all-at-once' });
  });
});
