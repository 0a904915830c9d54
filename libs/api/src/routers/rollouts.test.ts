import type { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { domainProjection, endRollout, recordRolloutStep } from '@palisade/domain';
import { applyMigrations, catchUp, createDbClient, startHorizonNotifier, type DbClient, type HorizonNotifier } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import type { HealthReport } from '@palisade/contracts';
import type { Principal } from '../authz/roles.js';
import { createCaller } from '../router.js';
import type { RolloutEnginePort } from '../rollout-engine.js';
import type { RolloutWorkflowInput } from '@palisade/rollout';
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
  let horizon: HorizonNotifier;
  // The workflow engine is Temporal's: here only what the router hands it is recorded (the real one runs in test/rollouts).
  const startedWorkflows: RolloutWorkflowInput[] = [];
  const engine: RolloutEnginePort = {
    start: async (input) => void startedWorkflows.push(input),
    update: async () => {
      throw new Error('not used here');
    },
    status: async () => undefined,
  };
  const as = (principal: Principal) => createCaller({ requestId: 'test', health, db: database, principal, horizon, rollouts: engine });
  const admin: Principal = { actor: 'token:ada#000000000001(admin)', role: 'admin' };
  const sec: Principal = { actor: 'token:sam#000000000002(security-admin)', role: 'security-admin' };
  const viewer: Principal = { actor: 'token:vic#000000000003(viewer)', role: 'viewer' };

  beforeAll(async () => {
    db = await createTestDatabase('api_rollouts');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 3 });
    horizon = startHorizonNotifier(database);
    for (const [name, env] of [
      ['staging', 'staging'],
      ['prod-eu', 'prod'],
      ['prod-us', 'prod'],
    ] as const)
      await as(admin).clusters.register({ name, labels: { env } });
    await catchUp(database, domainProjection);
  });
  afterAll(async () => {
    await horizon?.close();
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

  it('starts a rollout with the plan stored, hands the workflow its input, and streams its status until it ends', async () => {
    await as(admin)
      .releases.create({})
      .catch(() => undefined);
    await as(sec).resources.put({ resources: [{ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'x' }, spec: { selector: 'all()', types: ['Ingress'] } }] });
    const release = (await as(sec).releases.create({})).hash;
    await expect(as(viewer).rollouts.start({ release, plan: { name: 'two-waves' } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const started = await as(sec).rollouts.start({ release, plan: { name: 'two-waves' }, reason: 'first' });
    expect(started.waves).toEqual([
      { name: 'canary', clusters: ['staging'] },
      { name: 'prod', clusters: ['prod-eu', 'prod-us'] },
    ]);
    expect(startedWorkflows.at(-1)).toMatchObject({ id: started.id, release, plan: 'two-waves', startedBy: sec.actor, allowSelfApproval: false });
    expect(startedWorkflows.at(-1)!.waves.map((w) => [w.name, w.soakMs, w.ackTimeoutMs, w.requireApproval])).toEqual([
      ['canary', 0, 300_000, false],
      ['prod', 0, 300_000, true],
    ]);
    const watch = await as(viewer).rollouts.watch({ id: started.id });
    const states: string[] = [];
    const done = (async () => {
      for await (const s of watch) states.push(`${s.state}:${s.waves[0]!.clusters[0]!.state}`);
    })();
    const seen = async (n: number) => {
      while (states.length < n) await new Promise((r) => setTimeout(r, 20));
    };
    await seen(1);
    const worker = { actor: `rollout:${started.id}` };
    await recordRolloutStep(database, started.id, 'Rollout.ClusterStarted', { wave: 'canary', cluster: 'staging' }, randomUUID(), worker);
    await seen(2);
    await endRollout(database, started.id, 'aborted', { reason: 'test' }, randomUUID(), worker);
    await done;
    expect(states).toEqual(['running:pending', 'running:applying', 'aborted:applying']);
  });
});
