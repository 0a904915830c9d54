import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainProjection } from '@palisade/domain';
import { applyMigrations, catchUp, createDbClient, type DbClient } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';
import { problemsOf } from '../errors.js';

const health = async (): Promise<HealthReport> => ({ status: 'ok', service: 'gateway', checks: [] });

const plan = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: { name: two-waves }
spec:
  waves:
    - { name: canary, clusterSelector: "env == 'staging'", soakTime: 0s }
    - { name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2, soakTime: 0s, requireApproval: true }
`;

describe('rollout plans through the gateway', () => {
  let db: TestDatabase;
  let database: DbClient;
  const as = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, principal });
  const admin: Principal = { actor: 'token:ada#000000000001(admin)', role: 'admin' };
  const sec: Principal = { actor: 'token:sam#000000000002(security-admin)', role: 'security-admin' };
  const viewer: Principal = { actor: 'token:vic#000000000003(viewer)', role: 'viewer' };

  beforeAll(async () => {
    db = await createTestDatabase('api_rollouts');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 2 });
    for (const [name, env] of [
      ['staging', 'staging'],
      ['prod-eu', 'prod'],
      ['prod-us', 'prod'],
    ] as const)
      await as(admin).clusters.register({ name, labels: { env } });
    await catchUp(database, domainProjection);
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  it('validates a plan for anyone, with every problem located', async () => {
    expect((await as(viewer).rollouts.plans.validate({ text: plan })).plan.spec.waves[1]!.requireApproval).toBe(true);
    const error = (await as(viewer)
      .rollouts.plans.validate({ text: plan.replace('soakTime: 0s }', 'soakTime: never }'), file: 'plan.yaml' })
      .catch((e: unknown) => e)) as TRPCError;
    expect(error.code).toBe('BAD_REQUEST');
    expect(problemsOf(error.cause)).toEqual([expect.objectContaining({ file: 'plan.yaml', line: 6, path: 'spec.waves[0].soakTime' })]);
  });

  it('saves plans for security admins only, and shows which clusters each wave takes', async () => {
    await expect(as(viewer).rollouts.plans.save({ text: plan })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await as(sec).rollouts.plans.save({ text: plan, reason: 'staged prod' })).toEqual({ name: 'two-waves', version: 1, changed: true });
    expect((await as(viewer).rollouts.plans.list()).map((p) => [p.name, p.savedBy])).toEqual([['two-waves', sec.actor]]);
    const dry = await as(viewer).rollouts.plans.dryRun({ name: 'two-waves' });
    expect(dry.waves.map((w) => [w.name, w.clusters, w.requireApproval])).toEqual([
      ['canary', ['staging'], false],
      ['prod', ['prod-eu', 'prod-us'], true],
    ]);
    expect(dry.left).toEqual([]);
    await expect(as(viewer).rollouts.plans.dryRun({ name: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
