// Staged rollouts end to end on the real services: the gateway and the worker as built processes,
// Temporal's dev server, NATS and PostgreSQL, and simulated agents (their own NATS credentials)
// generating a fixed traffic mix. A three-cluster rollout completes wave by wave; a release that
// denies traffic the canary allowed fails its traffic gate and is rolled back before prod sees it;
// an approval step waits for an approver, refusing a viewer and the rollout's own starter.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@palisade/bus';
import { parseNatsUrl } from '@palisade/contracts';
import { bootstrapAdminToken } from '@palisade/domain';
import { palisade, palisadeBin, root, type CliResult } from '../support/cli.js';
import { fetchHistories, replayHistory } from '../test-support/histories.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { startTestWorker, type TestWorker } from '../test-support/worker.js';

const policy = (port: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
    destination: {ports: [${port}]}
`;
// api -> db 5432 is allowed by the first release and denied by the second (which allows 6432).
const mix = `flows:
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 2}
`;
const plan = (name: string, extra = '', canarySoak = '0s', prodExtra = '') => `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: ${name}}
spec:
${extra}  waves:
    - {name: canary, clusterSelector: "env == 'staging'", soakTime: ${canarySoak}, ackTimeout: 60s, gates: {baselineWindow: 30s}}
    - {name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2, soakTime: 0s, ackTimeout: 60s${prodExtra}}
`;

interface Status {
  id: string;
  state: string;
  reason: string | null;
  evidence: unknown;
  waves: { name: string; state: string; approvedBy: string | null; clusters: { name: string; state: string; acked: number; total: number }[] }[];
}

describe('staged rollouts on Temporal', () => {
  let gateway: TestGateway;
  let worker: TestWorker;
  let fleet: ChildProcess | undefined;
  let fleetLog = '';
  const dir = mkdtempSync(join(tmpdir(), 'palisade-rollouts-'));
  let env: NodeJS.ProcessEnv = {};
  const tokens: Record<string, string> = {};
  const cli = (args: string[], as = 'admin'): Promise<CliResult> => palisade(args, { ...env, PALISADE_TOKEN: tokens[as]! }, 60_000);
  const json = async <T>(args: string[], as = 'admin'): Promise<T> => {
    const r = await cli([...args, '-o', 'json'], as);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nworker:\n${worker.log().slice(-2000)}\nfleet:\n${fleetLog.slice(-2000)}\ngateway:\n${gateway.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };
  const ended = (id: string) =>
    waitFor(`rollout ${id} to end`, async () => {
      const s = await json<Status>(['rollout', 'status', id]);
      return ['completed', 'failed', 'aborted'].includes(s.state) ? s : undefined;
    });
  const desired = async () => Object.fromEntries((await json<{ name: string; desiredRelease: string | null; observedRelease: string | null }[]>(['cluster', 'list'])).map((c) => [c.name, c]));
  let first = '';
  let second = '';
  let taskQueue = '';
  /** How many times a rollout set a cluster's desired release. */
  const releaseWrites = async (cluster: string, rollout: string) =>
    Number(
      (
        await gateway.database.query<
          { n: bigint }[]
        >`SELECT count(*) AS n FROM events WHERE stream_id = ${`cluster/${cluster}`} AND type = 'Cluster.DesiredReleaseSet' AND actor = ${`rollout:${rollout}`}`
      )[0]!.n,
    );

  beforeAll(async () => {
    taskQueue = `rollouts-${randomUUID()}`;
    gateway = await startTestGateway('rollouts', { env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    worker = await startTestWorker(gateway.natsUrl, taskQueue);
    tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_CONFIG: join(dir, 'config.json') };
    delete env['PALISADE_TOKEN'];
    for (const role of ['security-admin', 'approver', 'viewer']) tokens[role] = (await json<{ token: string }>(['token', 'create', role, '--role', role])).token;
    for (const [name, label] of [
      ['staging', 'staging'],
      ['prod-eu', 'prod'],
      ['prod-us', 'prod'],
    ] as const)
      expect((await cli(['cluster', 'register', name, '-l', `env=${label}`])).code).toBe(0);
    expect((await cli(['apply', '-f', file('p1.yaml', policy(5432))])).code).toBe(0);
    first = (await json<{ hash: string }>(['release', 'create'])).hash;
    expect((await cli(['apply', '-f', file('p2.yaml', policy(6432))])).code).toBe(0);
    second = (await json<{ hash: string }>(['release', 'create'])).hash;
    fleet = spawn(
      process.execPath,
      [palisadeBin, 'agent', 'simulate', '--clusters', 'staging,prod-eu,prod-us', '--nodes', '2', '--endpoints-per-node', '3', '--traffic', file('mix.yaml', mix), '--flow-interval', '1'],
      {
        cwd: root,
        env: { ...env, PALISADE_TOKEN: tokens['admin'] },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    fleet.stdout!.on('data', (c: Buffer) => (fleetLog += c.toString()));
    fleet.stderr!.on('data', (c: Buffer) => (fleetLog += c.toString()));
    await waitFor('the simulated agents', async () => fleetLog.includes('6/6 agents running'));
  }, 240_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) {
      fleet.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 3_000));
      if (fleet.exitCode === null) fleet.kill('SIGKILL');
    }
    await worker?.stop();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rolls a release out to three clusters, canary first, and records every step', async () => {
    const started = await json<{ id: string; waves: { name: string; clusters: string[] }[] }>(
      ['rollout', 'start', '--release', first.slice(0, 12), '--plan', file('plan.yaml', plan('two-waves')), '--reason', 'db ingress'],
      'security-admin',
    );
    expect(started.waves).toEqual([
      { name: 'canary', clusters: ['staging'] },
      { name: 'prod', clusters: ['prod-eu', 'prod-us'] },
    ]);
    // One active rollout per cluster.
    const busy = await cli(['rollout', 'start', '--release', first, '--plan', file('plan.yaml', plan('two-waves'))], 'security-admin');
    expect(busy.code).toBe(5);
    expect(busy.stderr).toContain(`is in rollout ${started.id}`);
    const done = await ended(started.id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.waves.flatMap((w) => w.clusters.map((c) => [c.name, c.state, c.acked, c.total]))).toEqual([
      ['staging', 'succeeded', 2, 2],
      ['prod-eu', 'succeeded', 2, 2],
      ['prod-us', 'succeeded', 2, 2],
    ]);
    await waitFor('every cluster to observe the release', async () => Object.values(await desired()).every((c) => c.desiredRelease === first && c.observedRelease === first));
    const history = await json<{ type: string; actor: string; payload: Record<string, unknown> }[]>(['rollout', 'history', started.id], 'viewer');
    const steps = history.map((e) => `${e.type}${e.payload['cluster'] ? `/${String(e.payload['cluster'])}` : e.payload['wave'] ? `/${String(e.payload['wave'])}` : ''}`);
    expect(steps.slice(0, 6)).toEqual([
      'Rollout.Started',
      'Rollout.WaveStarted/canary',
      'Rollout.ClusterStarted/staging',
      'Rollout.ClusterAcked/staging',
      'Rollout.ClusterSucceeded/staging',
      'Rollout.WaveCompleted/canary',
    ]);
    expect(steps.at(-1)).toBe('Rollout.Completed');
    // Canary before prod: no prod cluster started before the canary wave completed.
    expect(steps.indexOf('Rollout.WaveCompleted/canary')).toBeLessThan(steps.indexOf('Rollout.ClusterStarted/prod-eu'));
    expect(history[0]!.actor).toMatch(/^token:security-admin#/);
  }, 240_000);

  it('rolls back a release that denies traffic the canary allowed, before prod receives it', async () => {
    // Let the baseline window fill with allowed api -> db flows under the first release.
    await new Promise((r) => setTimeout(r, 8_000));
    const started = await json<{ id: string }>(['rollout', 'start', '--release', second, '--plan', file('gated.yaml', plan('gated', '', '6s'))], 'security-admin');
    const done = await ended(started.id);
    expect(done.state).toBe('failed');
    expect(done.reason).toContain('cluster staging failed its traffic gate');
    const evidence = done.evidence as Record<string, { newlyDenied: { destination: string; port: number; deniedBy: string }[]; denyRate: { increase: number } }>;
    expect(evidence['staging']!.denyRate.increase).toBeGreaterThan(5);
    expect(evidence['staging']!.newlyDenied.every((f) => f.port === 5432 && f.deniedBy === 'default/end-of-tier')).toBe(true);
    expect(done.waves.map((w) => [w.name, w.state])).toEqual([
      ['canary', 'failed'],
      ['prod', 'pending'],
    ]);
    expect(done.waves[0]!.clusters[0]!.state).toBe('rolled-back');
    // The canary is back on the first release (its agents acked it); prod never had the second.
    await waitFor('staging back on the first release', async () => {
      const clusters = await desired();
      return (
        clusters['staging']!.desiredRelease === first &&
        clusters['staging']!.observedRelease === first &&
        clusters['prod-eu']!.desiredRelease === first &&
        clusters['prod-us']!.desiredRelease === first
      );
    });
  }, 240_000);

  it('waits for an approver before prod: a viewer and the starter are refused, an approver is not', async () => {
    const started = await json<{ id: string }>(['rollout', 'start', '--release', first, '--plan', file('approval.yaml', plan('approval', '', '0s', ', requireApproval: true'))]);
    const waiting = await waitFor('the prod wave to wait for approval', async () => {
      const s = await json<Status>(['rollout', 'status', started.id]);
      return s.state === 'waiting-approval' ? s : undefined;
    });
    expect(waiting.waves.map((w) => w.state)).toEqual(['completed', 'waiting-approval']);
    const viewer = await cli(['rollout', 'approve', started.id], 'viewer');
    expect(viewer.code).toBe(4);
    const self = await cli(['rollout', 'approve', started.id, '--reason', 'looks fine'], 'admin');
    expect(self.code).toBe(5);
    expect(self.stderr).toContain('started rollout');
    expect(self.stderr).toContain('may not approve it');
    const approved = await cli(['rollout', 'approve', started.id, '--reason', 'canary is clean'], 'approver');
    expect(approved.code, approved.stderr).toBe(0);
    const done = await ended(started.id);
    expect(done.state).toBe('completed');
    expect(done.waves[1]!.approvedBy).toMatch(/^token:approver#/);
  }, 240_000);

  it('carries on where it was when the worker is killed mid-soak, writing nothing twice', async () => {
    const started = await json<{ id: string }>(
      [
        'rollout',
        'start',
        '--release',
        second,
        '--plan',
        file('soak.yaml', plan('soak', '', '15s').replace('gates: {baselineWindow: 30s}', 'gates: {baselineWindow: 30s, denyRateIncreasePercent: 100, newlyDeniedFlows: 1000}')),
      ],
      'security-admin',
    );
    await waitFor('the canary to soak', async () => (await json<Status>(['rollout', 'status', started.id])).waves[0]!.clusters[0]!.state === 'soaking');
    await worker.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    worker = await startTestWorker(gateway.natsUrl, taskQueue);
    const done = await ended(started.id);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    // Each cluster's desired release was set once by this rollout, and each step recorded once.
    for (const cluster of ['staging', 'prod-eu', 'prod-us']) expect(await releaseWrites(cluster, started.id), cluster).toBe(1);
    const history = await json<{ type: string; payload: Record<string, unknown> }[]>(['rollout', 'history', started.id]);
    const keys = history.map((e) => `${e.type}/${String(e.payload['wave'] ?? '')}/${String(e.payload['cluster'] ?? '')}`);
    expect(keys.length).toBe(new Set(keys).size);
    expect(keys.filter((k) => k.startsWith('Rollout.ClusterSucceeded'))).toHaveLength(3);
  }, 240_000);

  it('fails a cluster whose agent never acks after ackTimeout and, tolerating no failure, rolls back what it touched', async () => {
    expect((await cli(['cluster', 'register', 'edge', '-l', 'env=edge'])).code).toBe(0);
    // An agent that is alive (it heartbeats) and never acks a release.
    const nc: NatsConnection = await natsConnect({ ...parseNatsUrl(gateway.natsUrl), name: 'stuck-agent' });
    const beat = () =>
      nc.publish(subjects.agentHeartbeat('edge', 'stuck-1'), JSON.stringify({ cluster: 'edge', node: 'stuck-1', agentVersion: 'test', sentAt: new Date().toISOString(), uptimeSeconds: 1 }));
    beat();
    const beating = setInterval(beat, 1_000);
    try {
      const strict = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: strict}
spec:
  waves:
    - {name: first, clusters: [edge, staging], maxConcurrentClusters: 2, maxFailedClusters: 0, ackTimeout: 5s, soakTime: 0s}
    - {name: prod, clusterSelector: "env == 'prod'", soakTime: 0s}
`;
      const before = await desired();
      const started = await json<{ id: string }>(['rollout', 'start', '--release', first, '--plan', file('strict.yaml', strict)], 'security-admin');
      const done = await ended(started.id);
      expect(done.state).toBe('failed');
      expect(done.reason).toContain('cluster edge');
      expect(done.reason).toContain('1 of 1 nodes did not ack within 5 s: stuck-1');
      expect(done.waves[1]!.state).toBe('pending');
      expect(done.waves[0]!.clusters.map((c) => [c.name, c.state])).toEqual([
        ['edge', 'rolled-back'],
        ['staging', 'rolled-back'],
      ]);
      // Back where they were: staging on its release before, edge (which had none) keeps what it got.
      await waitFor('staging back on its previous release', async () => (await desired())['staging']!.desiredRelease === before['staging']!.desiredRelease);
      expect((await desired())['prod-eu']!.desiredRelease).toBe(before['prod-eu']!.desiredRelease);
    } finally {
      clearInterval(beating);
      await nc.close();
    }
  }, 240_000);

  it('pauses, resumes and aborts: an abort sends what the rollout touched back, and each refusal says why', async () => {
    // Staging runs the first release before this rollout (whatever ran before), so an abort has one to go back to.
    expect((await cli(['cluster', 'set-release', 'staging', first])).code).toBe(0);
    const before = await desired();
    const target = second;
    const started = await json<{ id: string }>(
      [
        'rollout',
        'start',
        '--release',
        target,
        '--plan',
        file('long.yaml', plan('long', '', '60s').replace('gates: {baselineWindow: 30s}', 'gates: {baselineWindow: 30s, denyRateIncreasePercent: 100, newlyDeniedFlows: 1000}')),
      ],
      'security-admin',
    );
    await waitFor('the canary to soak', async () => (await json<Status>(['rollout', 'status', started.id])).waves[0]!.clusters[0]!.state === 'soaking');
    expect((await json<Status>(['rollout', 'pause', started.id, '--reason', 'checking dashboards'], 'security-admin')).state).toBe('paused');
    const again = await cli(['rollout', 'pause', started.id], 'security-admin');
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('is paused already');
    expect((await cli(['rollout', 'abort', started.id], 'approver')).code).toBe(4);
    expect((await json<Status>(['rollout', 'resume', started.id], 'security-admin')).state).toBe('running');
    expect((await cli(['rollout', 'abort', started.id, '--reason', 'wrong release'], 'security-admin')).code).toBe(0);
    const done = await ended(started.id);
    expect(done.state).toBe('aborted');
    expect(done.reason).toMatch(/^aborted by token:security-admin#\w+\(security-admin\): wrong release$/);
    expect(done.waves[0]!.clusters[0]!.state).toBe('rolled-back');
    expect(done.waves[1]!.state).toBe('pending');
    await waitFor('staging back on its release', async () => (await desired())['staging']!.desiredRelease === before['staging']!.desiredRelease);
    const ended2 = await cli(['rollout', 'resume', started.id], 'security-admin');
    expect(ended2.code).toBe(5);
  }, 240_000);

  it('replays every recorded rollout history against the current workflow code', async () => {
    const histories = await fetchHistories(`TaskQueue = '${taskQueue}'`);
    // Each rollout and each of its clusters: at least the six rollouts above and their children.
    expect(histories.length).toBeGreaterThanOrEqual(6);
    for (const h of histories) await expect(replayHistory(h)).resolves.toBeUndefined();
    // PALISADE_RECORD_HISTORIES=1 keeps them as the worker's replay fixtures (apps/worker/src/workflows/histories),
    // so a later change to the workflow code is checked against rollouts that ran on this one.
    if (process.env['PALISADE_RECORD_HISTORIES'] === '1') {
      const out = join(root, 'apps', 'worker', 'src', 'workflows', 'histories');
      mkdirSync(out, { recursive: true });
      // Named by workflow id ("/" as "__"): a replay must run under the id the history was recorded with.
      const file = (id: string) => join(out, `${id.replace(/\//g, '__')}.json`);
      for (const h of histories.filter((x) => !x.workflowId.includes('/'))) {
        writeFileSync(file(h.workflowId), historyToJSON(h.history));
        const child = histories.find((x) => x.workflowId.startsWith(`${h.workflowId}/`));
        if (child) writeFileSync(file(child.workflowId), historyToJSON(child.history));
      }
    }
  }, 240_000);

  it('records no trace in what the rollouts changed while tracing is off (the default)', async () => {
    const [row] = await gateway.database.query<{ n: bigint; traced: bigint }[]>`
      SELECT count(*) AS n, count(*) FILTER (WHERE payload ? 'trace') AS traced FROM events WHERE type = 'Cluster.DesiredReleaseSet' AND actor LIKE 'rollout:%'`;
    expect(Number(row!.n)).toBeGreaterThan(3);
    expect(Number(row!.traced)).toBe(0);
  });
});
