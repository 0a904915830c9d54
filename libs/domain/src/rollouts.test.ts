// A rollout's durable record: started with the clusters each wave takes and what each ran before,
// one active rollout per cluster (a second is refused naming the first), steps recorded once even
// when a retried activity sends them again, and an ending that frees the clusters.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations, catchUp, createDbClient, readStream, type DbClient } from '@palisade/event-store';
import { parsePlan } from '@palisade/rollout';
import { registerCluster, setDesiredRelease } from './clusters.js';
import { domainProjection } from './projection.js';
import { createRelease } from './releases.js';
import { applyResources } from './resources/write.js';
import { endRollout, listRollouts, recordRolloutStep, rolloutStream, rolloutView, startRollout } from './rollouts.js';

const plan = parsePlan(`apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: { name: two-waves }
spec:
  waves:
    - { name: canary, clusterSelector: "env == 'staging'" }
    - { name: prod, clusterSelector: "env == 'prod'", requireApproval: true }
`).plan!;

describe('rollouts in the event store', () => {
  let db: TestDatabase;
  let database: DbClient;
  let first = '';
  let second = '';
  const ops = { actor: 'token:sec#000000000001(security-admin)', reason: 'tighten db access' };

  beforeAll(async () => {
    db = await createTestDatabase('rollouts');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 3 });
    const gnp = (port: number) => ({
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'db' },
      spec: { selector: "app == 'db'", ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [port] } }] },
    });
    await applyResources(database, [gnp(5432)], { actor: 'ops' });
    first = (await createRelease(database, { actor: 'ops' })).hash;
    await applyResources(database, [gnp(6432)], { actor: 'ops' });
    second = (await createRelease(database, { actor: 'ops' })).hash;
    for (const [name, env] of [
      ['staging', 'staging'],
      ['prod-eu', 'prod'],
      ['prod-us', 'prod'],
    ] as const)
      await registerCluster(database, name, { env }, { actor: 'ops' });
    await setDesiredRelease(database, 'prod-eu', first, { actor: 'ops' });
    await catchUp(database, domainProjection);
  });
  afterAll(async () => {
    await database?.close();
    await db?.drop();
  });

  let id = '';
  it('starts with the waves decided and the previous releases recorded', async () => {
    const view = await startRollout(database, { release: second.slice(0, 10), plan }, ops);
    id = view.id;
    expect(view).toMatchObject({ release: second, state: 'running', startedBy: ops.actor, previous: { staging: null, 'prod-eu': first, 'prod-us': null } });
    expect(view.waves.map((w) => [w.name, w.state, w.clusters.map((c) => [c.name, c.state])])).toEqual([
      ['canary', 'pending', [['staging', 'pending']]],
      [
        'prod',
        'pending',
        [
          ['prod-eu', 'pending'],
          ['prod-us', 'pending'],
        ],
      ],
    ]);
  });

  it('refuses a second rollout to a busy cluster, naming the first', async () => {
    const only = parsePlan(`apiVersion: palisade.dev/v1\nkind: RolloutPlan\nmetadata: {name: eu}\nspec:\n  waves:\n    - {name: eu, clusters: [prod-eu]}\n`).plan!;
    await expect(startRollout(database, { release: first, plan: only }, ops)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `cluster prod-eu is in rollout ${id} (started by ${ops.actor}); wait for it to end or abort it`,
    });
    const nowhere = parsePlan(`apiVersion: palisade.dev/v1\nkind: RolloutPlan\nmetadata: {name: none}\nspec:\n  waves:\n    - {name: x, clusterSelector: "env == 'moon'"}\n`).plan!;
    await expect(startRollout(database, { release: first, plan: nowhere }, ops)).rejects.toThrow(/no wave of plan none takes a cluster/);
  });

  it('records each step once, retries included, and folds them into the status', async () => {
    const step = randomUUID();
    const worker = { actor: 'rollout-worker' };
    await recordRolloutStep(database, id, 'Rollout.WaveStarted', { wave: 'canary' }, randomUUID(), worker);
    await recordRolloutStep(database, id, 'Rollout.ClusterStarted', { wave: 'canary', cluster: 'staging' }, step, worker);
    await recordRolloutStep(database, id, 'Rollout.ClusterStarted', { wave: 'canary', cluster: 'staging' }, step, worker); // a retried activity
    await recordRolloutStep(database, id, 'Rollout.ClusterAcked', { wave: 'canary', cluster: 'staging', acked: 3, total: 3 }, randomUUID(), worker);
    await recordRolloutStep(database, id, 'Rollout.ClusterSucceeded', { wave: 'canary', cluster: 'staging' }, randomUUID(), worker);
    await recordRolloutStep(database, id, 'Rollout.WaveCompleted', { wave: 'canary' }, randomUUID(), worker);
    await recordRolloutStep(database, id, 'Rollout.WaitingApproval', { wave: 'prod' }, randomUUID(), worker);
    let view = (await rolloutView(database, id))!;
    expect(view.state).toBe('waiting-approval');
    expect(view.waves[0]).toMatchObject({ state: 'completed', clusters: [{ name: 'staging', state: 'succeeded', acked: 3, total: 3 }] });
    await recordRolloutStep(database, id, 'Rollout.Approved', { wave: 'prod' }, randomUUID(), { actor: 'token:amy#000000000002(approver)', reason: 'canary clean' });
    view = (await rolloutView(database, id))!;
    expect(view).toMatchObject({ state: 'running', waves: [{}, { approvedBy: 'token:amy#000000000002(approver)' }] });
    expect((await readStream(database, rolloutStream(id))).filter((e) => e.type === 'Rollout.ClusterStarted')).toHaveLength(1);
  });

  it('ends once, with the reason and evidence, and frees its clusters', async () => {
    const evidence = { newlyDenied: [{ source: 'shop/web', destination: 'shop/db', port: 5432 }] };
    const ending = randomUUID();
    await endRollout(database, id, 'failed', { reason: 'prod-eu failed the traffic gate', evidence }, ending, { actor: 'rollout-worker' });
    await endRollout(database, id, 'failed', { reason: 'again' }, ending, { actor: 'rollout-worker' });
    const view = (await rolloutView(database, id))!;
    expect(view).toMatchObject({ state: 'failed', reason: 'prod-eu failed the traffic gate', evidence });
    expect(view.endedAt).toBeInstanceOf(Date);
    const next = await startRollout(database, { release: first, plan }, ops);
    expect(next.state).toBe('running');
    expect((await listRollouts(database)).map((r) => r.id)).toEqual([next.id, id]);
    // Only the newest streams are read: a limit of one folds one rollout.
    expect((await listRollouts(database, 1)).map((r) => r.id)).toEqual([next.id]);
  });
});
