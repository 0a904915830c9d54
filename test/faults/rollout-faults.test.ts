// Issue 16's faults, during one rollout on the real services: the worker killed and restarted,
// NATS stopped for 10 s, PostgreSQL restarted, every agent killed and brought back, and the
// gateway killed in the middle of an apply. The rollout still ends (completed, or cleanly rolled
// back), every agent converges on what its cluster should run, and the log lost and repeated
// nothing: positions contiguous, the outbox published every event once and in order, the chain
// verifies; and every flow record the agents generated after they came back is stored, once.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSession, eventually } from '../support/cli-session.js';
import { startTestWorker, type TestWorker } from '../test-support/worker.js';
import { startFaultPlatform, type FaultPlatform } from './test-support/platform.js';

const policy = (name: string) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: ${name}, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'api'}, destination: {ports: [5432]}}
`;
const mix = `flows:
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 2}
`;
const plan = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: through-faults}
spec:
  waves:
    - {name: canary, clusterSelector: "env == 'staging'", soakTime: 45s, ackTimeout: 120s, gates: {baselineWindow: 10s, denyRateIncreasePercent: 20}}
    - {name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2, soakTime: 2s, ackTimeout: 120s}
`;

interface Status {
  state: string;
  reason: string | null;
  waves: { name: string; clusters: { name: string; state: string }[] }[];
}

describe('a rollout through faults', () => {
  let platform: FaultPlatform;
  let worker: TestWorker;
  let fleet: ChildProcess | undefined;
  const taskQueue = `faults-${randomUUID()}`;
  const s = cliSession('palisade-faults');
  const context = () => `worker:\n${worker?.log().slice(-1500)}\nfleet:\n${s.fleetLog().slice(-1500)}\ngateway:\n${platform.gatewayLog().slice(-2500)}`;
  const startFleet = async () => {
    fleet = await s.startFleet(['staging', 'prod-eu', 'prod-us'], mix, context);
  };
  const clusters = () => s.json<{ name: string; desiredRelease: string | null; observedRelease: string | null }[]>(['cluster', 'list']);
  const releases: string[] = [];
  const exited = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));

  beforeAll(async () => {
    platform = await startFaultPlatform('rollout-faults', { TEMPORAL_TASK_QUEUE: taskQueue, GATEWAY_AGENT_STALE_SECONDS: '12', LOG_LEVEL: 'warn' });
    worker = await startTestWorker(platform.natsUrl(), taskQueue);
    s.useGateway(platform.url);
    s.tokens['admin'] = platform.adminToken;
    await s.registerClusters({ staging: 'staging', 'prod-eu': 'prod', 'prod-us': 'prod' });
    expect((await s.cli(['apply', '-f', s.file('p0.yaml', policy('db-ingress')), '--reason', 'baseline'])).code).toBe(0);
    releases.push((await s.json<{ hash: string }>(['release', 'create', '--reason', 'baseline'])).hash);
    for (const c of ['staging', 'prod-eu', 'prod-us']) expect((await s.cli(['cluster', 'set-release', c, releases[0]!, '--reason', 'baseline'])).code).toBe(0);
    await startFleet();
    await eventually('every cluster to run the baseline', async () => (await clusters()).every((c) => c.observedRelease === releases[0]), { context });
    expect((await s.cli(['apply', '-f', s.file('p1.yaml', policy('db-ingress-copy')), '--reason', 'the release rolled out through faults'])).code).toBe(0);
    releases.push((await s.json<{ hash: string }>(['release', 'create', '--reason', 'through faults'])).hash);
    expect((await s.cli(['rollout', 'plan', 'apply', '-f', s.file('plan.yaml', plan)])).code).toBe(0);
    // A baseline window of traffic for the canary's gate.
    await new Promise((r) => setTimeout(r, 11_000));
  }, 300_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) fleet.kill('SIGKILL');
    await worker?.stop().catch(() => undefined);
    await platform?.close();
  });

  it('ends the rollout and converges every agent, losing and repeating nothing', async () => {
    const { id } = await s.json<{ id: string }>(['rollout', 'start', '--release', releases[1]!, '--plan', 'through-faults', '--reason', 'through faults']);
    await eventually('the canary to soak', async () => (await s.json<Status>(['rollout', 'status', id])).waves[0]!.clusters[0]!.state === 'soaking', { context });

    // (a) The worker dies and comes back.
    await worker.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    worker = await startTestWorker(platform.natsUrl(), taskQueue);
    // (d) Every agent dies and comes back. What a killed agent held in memory is lost with it, by
    // design; the agents that come back are counted record by record through the faults that follow.
    fleet!.kill('SIGKILL');
    await exited(fleet!);
    const counted = new Date();
    await startFleet();
    // (b) NATS is gone for 10 s.
    await platform.stopNats();
    await new Promise((r) => setTimeout(r, 10_000));
    await platform.startNats();
    // (c) PostgreSQL restarts.
    await platform.stopPostgres();
    await platform.startPostgres();
    // (f) The gateway dies in the middle of an apply of 300 policies: the change is stored whole or not at all.
    const batch = Array.from({ length: 300 }, (_, i) => ({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: `mid-crash-${i}`, namespace: 'shop' },
      spec: { selector: `app == 'never-${i}'`, types: ['Ingress'] },
    }));
    const apply = platform.call('resources.put', { resources: batch, reason: 'interrupted' });
    await new Promise((r) => setTimeout(r, 100));
    await platform.killGateway();
    const interrupted = await apply;
    await platform.startGateway();

    const ended = await eventually(
      'the rollout to end',
      async () => {
        const r = await s.cli(['rollout', 'status', id, '-o', 'json']);
        const status = r.code === 0 ? (JSON.parse(r.stdout) as Status) : undefined;
        return status && ['completed', 'failed', 'aborted'].includes(status.state) && status;
      },
      { timeoutMs: 240_000, intervalMs: 2_000, context },
    );
    expect(['completed', 'failed'], `${ended.state}: ${ended.reason}\n${context()}`).toContain(ended.state);
    console.log(`the rollout ${ended.state}${ended.reason ? ` (${ended.reason})` : ''}; the interrupted apply got ${interrupted.status || 'no answer'}`);
    // Completed: every cluster runs the new release; rolled back: every cluster runs the old one.
    const expected = ended.state === 'completed' ? releases[1] : releases[0];
    await eventually(
      'every cluster and agent to converge',
      async () => {
        const list = await clusters();
        const agents = await s.json<{ alive: boolean; state: string; release: string | null }[]>(['agents']);
        return (
          list.every((c) => c.desiredRelease === expected && c.observedRelease === expected) && agents.length === 3 && agents.every((a) => a.alive && a.state === 'applied' && a.release === expected)
        );
      },
      { timeoutMs: 90_000, context },
    );

    // The interrupted apply: all 300 or none, and all only if the gateway had answered or never could.
    const shop = await s.json<{ items?: { metadata: { name: string } }[]; metadata?: { name: string } }>(['get', 'networkpolicy', '-n', 'shop']);
    const landed = (shop.items ?? [shop as { metadata: { name: string } }]).filter((p) => p.metadata.name.startsWith('mid-crash-')).length;
    expect([0, 300]).toContain(landed);
    if (interrupted.status === 200) expect(landed).toBe(300);
    console.log(`of the interrupted apply, ${landed} of 300 policies were stored`);
    // The log: contiguous positions, no event twice; the outbox published all of it, once, in order.
    const { events } = await eventually(
      'the outbox to publish every event',
      async () => {
        const [events, published] = [await platform.events(), await platform.published()];
        return JSON.stringify(events) === JSON.stringify(published) && { events };
      },
      { context },
    );
    // Strictly increasing: a transaction that rolled back (the killed apply) leaves its position unused, by design.
    expect(events.every((e, i) => i === 0 || e.position > events[i - 1]!.position)).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const verified = await s.cli(['audit', 'verify', '--remote']);
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    // Flow records: the agents that came back stop cleanly and say what they generated and what
    // JetStream acked; through NATS gone, PostgreSQL restarted and the gateway (flow ingest) killed,
    // every record is stored, and once (a batch sent again is dropped by its id).
    fleet!.kill('SIGTERM');
    await exited(fleet!);
    const totals = [...s.fleetLog().matchAll(/flow records: (\d+) generated, (\d+) published, (\d+) dropped, (\d+) unsent/g)].at(-1);
    expect(totals, s.fleetLog().slice(-1500)).toBeDefined();
    const [generated, published, dropped, unsent] = totals!.slice(1).map(Number) as [number, number, number, number];
    expect({ dropped, unsent, published }).toEqual({ dropped: 0, unsent: 0, published: generated });
    expect(published).toBeGreaterThan(0);
    const stored = async () => Number((await platform.database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM flow_records WHERE start_time >= ${counted}`)[0]!.n);
    await eventually('flow ingest to store every published record', async () => (await stored()) >= published, { timeoutMs: 60_000, context }).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await stored()} stored of ${published} published`);
    });
    expect(await stored()).toBe(published);
    console.log(`flow records from the agents that came back: ${generated} generated, ${published} published, all stored once`);
  }, 420_000);
});
