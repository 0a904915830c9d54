// The whole mission as one story, through the CLI and the gateway, on the real services (PostgreSQL,
// NATS JetStream, Temporal, the built gateway and worker) with simulated agents generating traffic:
// a security admin applies policy and releases it; it is rolled out in stages with an approval and a
// traffic gate; a bad change is rolled back automatically; the audit history names who did what and
// why; the set is read as of an earlier position; the chain verifies; flow logs name the deciding
// policies; and a recommendation from the recorded traffic is promoted and holds.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import { pickPort } from '@palisade/stack';
import { cliSession, eventually } from '../support/cli-session.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { startTestWorker, type TestWorker } from '../test-support/worker.js';

const dbIngress = (port: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'api'}, destination: {ports: [${port}]}}
`;
const mix = `flows:
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 2}
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 8080, perSecond: 2}
`;
const plan = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: story}
spec:
  waves:
    - {name: canary, clusterSelector: "env == 'staging'", soakTime: 6s, ackTimeout: 60s, gates: {baselineWindow: 10s}}
    - {name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2, soakTime: 0s, ackTimeout: 60s, requireApproval: true}
`;

interface Status {
  id: string;
  state: string;
  reason: string | null;
  evidence: Record<string, { newlyDenied: { source: string; destination: string; port: number | null }[] }> | null;
  waves: { name: string; state: string; approvedBy: string | null }[];
}
interface AuditEvent {
  position: number;
  type: string;
  actor: string;
  reason: string | null;
  streamId: string;
}

describe('the story: policy from a security admin to every cluster, audited, with traffic to show for it', () => {
  let gateway: TestGateway;
  let worker: TestWorker;
  let fleet: ChildProcess | undefined;
  const s = cliSession('palisade-story');
  const context = () => `worker:\n${worker.log().slice(-2000)}\nfleet:\n${s.fleetLog().slice(-1500)}\ngateway:\n${gateway.log().slice(-1500)}`;
  const rolloutEnds = (id: string) =>
    eventually(
      `rollout ${id} to end`,
      async () => {
        const status = await s.json<Status>(['rollout', 'status', id]);
        return ['completed', 'failed', 'aborted'].includes(status.state) && status;
      },
      { timeoutMs: 150_000, context },
    );
  const releases: string[] = [];
  let goodRollout = '';
  let metricsPort = 0;
  let before6432 = 0;

  beforeAll(async () => {
    const taskQueue = `story-${randomUUID()}`;
    gateway = await startTestGateway('story', { env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    metricsPort = await pickPort();
    worker = await startTestWorker(gateway.natsUrl, taskQueue, { WORKER_METRICS_PORT: String(metricsPort) });
    s.useGateway(gateway.url);
    s.tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
    s.tokens['sam'] = (await s.json<{ token: string }>(['token', 'create', 'sam', '--role', 'security-admin'])).token;
    s.tokens['avery'] = (await s.json<{ token: string }>(['token', 'create', 'avery', '--role', 'approver'])).token;
    await s.registerClusters({ staging: 'staging', 'prod-eu': 'prod', 'prod-us': 'prod' });
    fleet = await s.startFleet(['staging', 'prod-eu', 'prod-us'], mix, context);
  }, 240_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) fleet.kill('SIGKILL');
    await worker?.stop();
    await gateway?.stop();
  });

  it('a security admin applies policy with a reason and releases it', async () => {
    const applied = await s.cli(['apply', '-f', s.file('db-5432.yaml', dbIngress(5432)), '--reason', 'db takes the api on 5432'], 'sam');
    expect(applied.code, applied.stderr).toBe(0);
    releases.push((await s.json<{ hash: string }>(['release', 'create', '--reason', 'the api reaches the db'], 'sam')).hash);
    expect(releases[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rolls it out in stages: the canary passes its traffic gate, prod waits for an approver, then every cluster runs it', async () => {
    expect((await s.cli(['rollout', 'plan', 'apply', '-f', s.file('plan.yaml', plan), '--reason', 'canary, then prod with an approval'], 'sam')).code).toBe(0);
    const started = await s.json<{ id: string }>(['rollout', 'start', '--release', releases[0]!, '--plan', 'story', '--reason', 'first enforcement'], 'sam');
    goodRollout = started.id;
    await eventually('the prod wave to wait for an approval', async () => (await s.json<Status>(['rollout', 'status', goodRollout])).state === 'waiting-approval', { context });
    // The starter may not approve their own rollout; an approver does, with a reason.
    expect((await s.cli(['rollout', 'approve', goodRollout, '--reason', 'canary held'], 'sam')).code).not.toBe(0);
    expect((await s.cli(['rollout', 'approve', goodRollout, '--reason', 'canary held'], 'avery')).code).toBe(0);
    const done = await rolloutEnds(goodRollout);
    expect(done.state, JSON.stringify(done)).toBe('completed');
    expect(done.waves.find((w) => w.name === 'prod')?.approvedBy).toMatch(/^token:avery#/);
    const clusters = await s.json<{ name: string; observedRelease: string | null }[]>(['cluster', 'list']);
    expect(clusters.map((c) => c.observedRelease)).toEqual([releases[0], releases[0], releases[0]]);
  }, 200_000);

  it('rolls a bad change back automatically: the canary denies what the release before allowed', async () => {
    // A baseline window of traffic under the good release first.
    await new Promise((r) => setTimeout(r, 11_000));
    before6432 = Math.max(...(await s.json<AuditEvent[]>(['audit', '--limit', '10000'])).map((e) => e.position));
    expect((await s.cli(['apply', '-f', s.file('db-6432.yaml', dbIngress(6432)), '--reason', 'db moves to 6432'], 'sam')).code).toBe(0);
    releases.push((await s.json<{ hash: string }>(['release', 'create', '--reason', 'db on 6432'], 'sam')).hash);
    const started = await s.json<{ id: string }>(['rollout', 'start', '--release', releases[1]!, '--plan', 'story', '--reason', 'move the db'], 'sam');
    const done = await rolloutEnds(started.id);
    expect(done.state).toBe('failed');
    expect(done.reason).toContain('traffic gate');
    expect(done.evidence?.['staging']?.newlyDenied).toEqual(expect.arrayContaining([expect.objectContaining({ port: 5432, destination: expect.stringMatching(/^shop\/db-/) })]));
    // Prod never saw it; the canary is back on the release before.
    const clusters = await eventually(
      'staging to report the release before again',
      async () => {
        const list = await s.json<{ name: string; observedRelease: string | null }[]>(['cluster', 'list']);
        return list.every((c) => c.observedRelease === releases[0]) && list;
      },
      { context },
    );
    expect(clusters).toHaveLength(3);
  }, 200_000);

  it('answers who changed what, when and why, for all of it', async () => {
    const events = await s.json<AuditEvent[]>(['audit', '--limit', '10000']);
    const by = (type: string) => events.filter((e) => e.type === type);
    const policyChanges = events.filter((e) => e.streamId.includes('db-ingress'));
    expect(policyChanges.map((e) => [e.actor.replace(/#.*/, ''), e.reason])).toEqual(
      expect.arrayContaining([
        ['token:sam', 'db takes the api on 5432'],
        ['token:sam', 'db moves to 6432'],
      ]),
    );
    expect(by('Rollout.Approved').map((e) => [e.actor.replace(/#.*/, ''), e.reason])).toEqual([['token:avery', 'canary held']]);
    expect(
      by('Rollout.Started')
        .map((e) => e.reason)
        .sort(),
    ).toEqual(['first enforcement', 'move the db']);
    expect(by('Rollout.RollbackStarted').length + by('Rollout.ClusterRolledBack').length).toBeGreaterThan(0);
  });

  it('reads the policy as it was before the bad change, and verifies the chain', async () => {
    const then = await s.json<{ spec: { ingress: { destination: { ports: number[] } }[] } }>(['audit', '--as-of', String(before6432), '--kind', 'NetworkPolicy', '--name', 'db-ingress', '-n', 'shop']);
    expect(then.spec.ingress[0]!.destination.ports).toEqual([5432]);
    const verified = await s.cli(['audit', 'verify', '--remote'], 'sam');
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ok: \d+ events verified/);
  });

  it('keeps flow logs that name the policy that decided each flow', async () => {
    const allowed = await s.json<{ policy: string; reporter: 'src' | 'dst'; port: number | null }[]>(['flows', '--cluster', 'prod-eu', '--action', 'Allow', '--since', '10m', '--limit', '500']);
    // The database's end reports the ingress decision (the api's end, its egress: allowed by its namespace's profile).
    const toDb = allowed.filter((r) => r.port === 5432 && r.reporter === 'dst');
    expect(toDb.length).toBeGreaterThan(0);
    expect(new Set(toDb.map((r) => r.policy))).toEqual(new Set(['default/NetworkPolicy/shop/db-ingress/0']));
    const denied = await s.json<{ policy: string; port: number | null }[]>(['flows', '--cluster', 'staging', '--action', 'Deny', '--since', '10m', '--limit', '500']);
    expect(denied.filter((r) => r.port === 5432).length).toBeGreaterThan(0);
  });

  it('promotes a recommendation from the recorded traffic, which allows what was seen and denies what was not', async () => {
    const saved = await s.cli(['recommend', '-n', 'shop', '--cluster', 'prod-eu', '--window', '10m', '--apply', '--reason', 'least privilege for shop'], 'admin');
    expect(saved.code, saved.stderr).toBe(0);
    const keys = /promote with: palisade recommend promote (.+)$/m.exec(saved.stderr)?.[1]?.split(' ');
    expect(keys?.length).toBeGreaterThan(0);
    const promoted = await s.cli(['recommend', 'promote', ...keys!, '--reason', 'traffic held for ten minutes'], 'admin');
    expect(promoted.code, promoted.stderr).toBe(0);
    // Node 0 of prod-eu, as the simulator lays its pods out: frontend .1, api .2, orders .3, payments .4, db .5, cache .6.
    const verdicts = await s.json<{ allowed: boolean }[]>([
      'simulate',
      '--remote',
      '--cluster',
      'prod-eu',
      '--probes',
      s.file(
        'probes.json',
        JSON.stringify([
          { from: '10.100.0.2', to: '10.100.0.5', protocol: 'TCP', port: 5432 },
          { from: '10.100.0.1', to: '10.100.0.2', protocol: 'TCP', port: 8080 },
          { from: '10.100.0.1', to: '10.100.0.5', protocol: 'TCP', port: 5432 },
          { from: '10.100.0.3', to: '10.100.0.4', protocol: 'TCP', port: 8080 },
        ]),
      ),
    ]);
    // Seen: allowed. Never seen: denied.
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false, false]);
  }, 120_000);

  it('is observable: the gateway and the worker serve Prometheus metrics of what they did', async () => {
    // The gateway's metrics need a token (any role: Prometheus scrapes with a viewer's).
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    const gatewayMetrics = await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${s.tokens['avery']}` } })).text();
    expect(gatewayMetrics).toMatch(/palisade_gateway_requests_total\{route="\/trpc\/rollouts\.start",method="POST",status="200"\} 2\n/);
    expect(gatewayMetrics).toMatch(/palisade_gateway_requests_total\{route="\/trpc\/rollouts\.approve",method="POST",status="403"\} 1\n/);
    const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(workerMetrics).toContain('palisade_worker_running 1\n');
    expect(workerMetrics).toContain('palisade_worker_nats_connected 1\n');
  });
});
