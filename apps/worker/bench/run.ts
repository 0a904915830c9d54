// Rollout benchmarks: `npx nx run worker:bench`. Measured, never asserted; writes bench/results.json
// with the machine. The platform as it runs: the gateway and the worker as built processes, a
// nats-server and a database of their own, Temporal's dev server from the test services, and
// `palisade agent simulate` hosting CLUSTERS x NODES simulated agents (default 50 x 20), each a NATS
// client with its own credentials.
//  rollout   wall time of a rollout of a new release to every cluster with zero soak (a one-cluster
//            canary, then the rest at once), from `rollout start` to its end
//  approval  from an approver's approval (the Rollout.Approved step) to the next wave's first
//            desired-release write
//  history   Temporal history events of the rollout workflow and of each cluster's child, and the
//            largest rollout that stays within Temporal's limits at that rate
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bootstrapAdminToken, rolloutView } from '@palisade/domain';
import { applyMigrations, createDbClient, EventKey } from '@palisade/event-store';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, ensureTestServices, round, startTestNats } from '@palisade/testing';

const CLUSTERS = Number(process.env['CLUSTERS'] ?? 50);
const NODES = Number(process.env['NODES'] ?? 20);
const root = join(import.meta.dirname, '..', '..', '..');
const palisadeBin = join(root, 'apps', 'cli', 'bin', 'palisade.js');
const results: Record<string, unknown> = { benchmark: 'worker', date: new Date().toISOString(), machine: benchMachine(), clusters: CLUSTERS, nodesPerCluster: NODES };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const names = Array.from({ length: CLUSTERS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);

function processOf(script: string, env: NodeJS.ProcessEnv, args: string[] = []): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [script, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  return { child, log: () => log };
}

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number, every = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

const plan = (name: string, approval: boolean) => `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: ${name}}
spec:
  waves:
    - {name: canary, clusters: [${names[0]}], soakTime: 0s, ackTimeout: 5m}
    - {name: rest, maxConcurrentClusters: ${CLUSTERS}, soakTime: 0s, ackTimeout: 5m${approval ? ', requireApproval: true' : ''}}
`;

async function main() {
  // benchDatabase starts (or finds) the test services and points the harness at them, as a test's global setup does.
  const db = await benchDatabase('bench_worker');
  const services = await ensureTestServices();
  const nats = await startTestNats('bench-worker');
  await applyMigrations(db.url);
  const eventKey = randomBytes(32).toString('base64');
  const database = createDbClient(db.url, { max: 2, eventKey: EventKey.fromText(eventKey) });
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-worker-'));
  const taskQueue = `bench-${randomUUID()}`;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const serviceEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_AUTH_FILE: nats.authFile,
    TEMPORAL_ADDRESS: services.temporalAddress,
    TEMPORAL_NAMESPACE: services.temporalNamespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'warn',
  };
  const gateway = processOf(join(root, 'apps', 'gateway', 'dist', 'main.js'), { ...serviceEnv, GATEWAY_PORT: String(port), PALISADE_EVENT_KEY: eventKey });
  const worker = processOf(join(root, 'apps', 'worker', 'dist', 'main.js'), serviceEnv);
  let fleet: ReturnType<typeof processOf> | undefined;
  const url = `http://127.0.0.1:${port}`;
  try {
    await until(
      'the gateway',
      () =>
        fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
    );
    await until('the worker', () => worker.log().includes('"msg":"polling"'), 30_000);
    const admin = (await bootstrapAdminToken(database))!.token;
    const cliEnv = { ...process.env, PALISADE_URL: url, PALISADE_TOKEN: admin, PALISADE_CONFIG: join(dir, 'config.json') };
    const cli = (args: string[], env = cliEnv) => {
      const r = spawnSync(process.execPath, [palisadeBin, ...args], { cwd: root, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`palisade ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const approver = (JSON.parse(cli(['token', 'create', 'bench-approver', '--role', 'approver', '-o', 'json'])) as { token: string }).token;
    for (const name of names) cli(['cluster', 'register', name, '-l', 'env=prod']);
    writeFileSync(
      join(dir, 'p1.yaml'),
      "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: db}\nspec:\n  selector: app == 'db'\n  ingress:\n  - {action: Allow, protocol: TCP, destination: {ports: [5432]}}\n",
    );
    cli(['apply', '-f', join(dir, 'p1.yaml')]);
    const first = (JSON.parse(cli(['release', 'create', '-o', 'json'])) as { hash: string }).hash;
    writeFileSync(
      join(dir, 'p2.yaml'),
      "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: db}\nspec:\n  selector: app == 'db'\n  ingress:\n  - {action: Allow, protocol: TCP, destination: {ports: [6432]}}\n",
    );
    cli(['apply', '-f', join(dir, 'p2.yaml')]);
    const second = (JSON.parse(cli(['release', 'create', '-o', 'json'])) as { hash: string }).hash;

    console.log(`starting ${CLUSTERS * NODES} simulated agents...`);
    const fleetStart = performance.now();
    fleet = processOf(palisadeBin, cliEnv, ['agent', 'simulate', '--clusters', names.join(','), '--nodes', String(NODES), '--endpoints-per-node', '2']);
    await until('every agent to run', () => fleet!.log().includes(`${CLUSTERS * NODES}/${CLUSTERS * NODES} agents running`), 600_000, 1_000);
    results['fleetStartMs'] = round(performance.now() - fleetStart, 0);

    const run = async (release: string, planName: string, approval: boolean) => {
      writeFileSync(join(dir, `${planName}.yaml`), plan(planName, approval));
      const started = performance.now();
      const { id } = JSON.parse(cli(['rollout', 'start', '--release', release, '--plan', join(dir, `${planName}.yaml`), '-o', 'json'])) as { id: string };
      if (approval) {
        await until('the approval wait', async () => (await rolloutView(database, id))?.state === 'waiting-approval', 300_000);
        cli(['rollout', 'approve', id], { ...cliEnv, PALISADE_TOKEN: approver });
      }
      await until('the rollout to end', async () => !!(await rolloutView(database, id))?.endedAt, 600_000);
      return { id, ms: performance.now() - started, view: (await rolloutView(database, id))! };
    };

    // 1. The whole rollout, zero soak.
    const plain = await run(first, 'plain', false);
    results['rollout'] = {
      wallMs: round(plain.ms, 0),
      state: plain.view.state,
      includes: '`palisade rollout start` (CLI process) to the Rollout.Completed step: every agent of every cluster acked',
      target: { wallMs: '< 30000' },
    };
    console.log('rollout', results['rollout']);

    // 2. Approval to the next wave's first desired-release write.
    const gated = await run(second, 'gated', true);
    const [row] = await database.query<{ approved: Date; first: Date }[]>`
      SELECT (SELECT recorded_at FROM events WHERE stream_id = ${`rollout/${gated.id}`} AND type = 'Rollout.Approved') AS approved,
             (SELECT min(recorded_at) FROM events WHERE type = 'Cluster.DesiredReleaseSet' AND actor = ${`rollout:${gated.id}`} AND stream_id <> ${`cluster/${names[0]}`}) AS first`;
    results['approval'] = { toNextWaveFirstWriteMs: round(row!.first.getTime() - row!.approved.getTime(), 1), state: gated.view.state, target: { ms: '< 1000' } };
    console.log('approval', results['approval']);

    // 3. History size, per rollout and per cluster.
    const connection = await Connection.connect({ address: services.temporalAddress });
    try {
      const client = new Client({ connection, namespace: services.temporalNamespace });
      const parent = (await client.workflow.getHandle(`rollout-${plain.id}`).fetchHistory()).events?.length ?? 0;
      const child = (await client.workflow.getHandle(`rollout-${plain.id}/${names[1]}`).fetchHistory()).events?.length ?? 0;
      const perCluster = (parent - 20) / CLUSTERS;
      results['history'] = {
        rolloutWorkflowEvents: parent,
        perClusterInRollout: round(perCluster, 1),
        clusterWorkflowEvents: child,
        // Temporal's default limits: 51,200 history events (warned at 10,240) and 2,000 pending child workflows.
        largestRolloutClusters: { byHistoryWarning: Math.floor((10_240 - 20) / perCluster), byHistoryLimit: Math.floor((51_200 - 20) / perCluster), byPendingChildren: 2_000 },
        note: 'largest rollout is estimated from the measured events per cluster; maxConcurrentClusters above 2,000 would hit the pending-children limit',
      };
      console.log('history', results['history']);
    } finally {
      await connection.close();
    }
  } finally {
    fleet?.child.kill('SIGTERM');
    await sleep(3_000);
    fleet?.child.kill('SIGKILL');
    worker.child.kill('SIGTERM');
    gateway.child.kill('SIGTERM');
    await sleep(2_000);
    await database.close();
    await db.drop().catch(() => undefined);
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('written: bench/results.json');
}

await main();
