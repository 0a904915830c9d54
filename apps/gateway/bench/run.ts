// Gateway benchmark: `npx nx run gateway:bench`. Requests per second and latency of resources.get,
// resources.put (apply) and policy.simulate through the real HTTP server, at a fixed concurrency,
// with authentication (every request's bearer token checked against PostgreSQL) and authorization
// (a developer bound to namespace "bench" applies, so the namespace and tier checks run) on.
// Runs against the real PostgreSQL of the test stack (started if needed, or DATABASE_URL/NATS_URL/
// TEMPORAL_ADDRESS) in a database of its own, with the sealer and domain projection running beside
// the API as main.ts runs them. The load comes from a child process (bench/load.ts) on the same
// machine. Writes bench/results.json with the machine. Figures are measured, never asserted.
// BENCH_SECONDS (default 10), BENCH_WARMUP_SECONDS (2) and BENCH_CONCURRENCY (16) shorten or vary a run.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, percentile, round } from '@palisade/testing';
import { tokenActor } from '@palisade/contracts';
import { createToken } from '@palisade/domain';
import { applyMigrations, createDbClient, startHorizonNotifier, type DbClient } from '@palisade/event-store';
import { startBackground } from '../src/background.js';
import { createGatewayServer } from '../src/server.js';
import type { LoadResult, Operation, RunSpec } from './load.js';
import { APPLY_TARGETS, BATCH_PROBES, CALICO_POLICIES, K8S_POLICIES, NAMESPACES, namespaceResources, podResources, pods, policyResources, seededKeys } from './workload.js';

const numberFrom = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of at least 0, not ${raw}`);
  return n;
};
const SECONDS = numberFrom('BENCH_SECONDS', 10);
const WARMUP_SECONDS = numberFrom('BENCH_WARMUP_SECONDS', 2);
const CONCURRENCY = Math.floor(numberFrom('BENCH_CONCURRENCY', 16));
if (SECONDS <= 0 || CONCURRENCY < 1 || CONCURRENCY > APPLY_TARGETS) throw new Error(`BENCH_SECONDS must be above 0 and BENCH_CONCURRENCY between 1 and ${APPLY_TARGETS}`);
/** One token drives all of an operation's load: the per-token limit (default 200/s) would otherwise be what is measured. */
const RATE_LIMIT = { perSecond: 1_000_000, burst: 1_000_000 };
const DB_CONNECTIONS = 8;

/** The figures of one operation, and whether they meet the targets (computed, never assumed). */
function summarize(r: LoadResult, gatewayCpuCores: number, target: { minPerSecond?: number; maxP99Ms: number }) {
  const ok = r.requests - r.errors;
  const perSecond = ok / r.seconds;
  const p99 = percentile(r.latenciesMs, 99);
  const wanted = [target.minPerSecond !== undefined ? `at least ${target.minPerSecond.toLocaleString('en')}/s` : undefined, `p99 under ${target.maxP99Ms} ms`, 'no errors'].filter(Boolean).join(', ');
  return {
    requests: r.requests,
    errors: r.errors,
    ...(r.errors ? { errorKinds: r.errorKinds, errorSamples: r.errorSamples } : {}),
    seconds: round(r.seconds),
    requestsPerSecond: Math.round(perSecond),
    p50Ms: round(percentile(r.latenciesMs, 50)),
    p95Ms: round(percentile(r.latenciesMs, 95)),
    p99Ms: round(p99),
    maxMs: round(r.latenciesMs.length ? Math.max(...r.latenciesMs) : NaN),
    concurrency: CONCURRENCY,
    warmupRequests: r.warmupRequests,
    largestRequestBytes: r.largestRequestBytes,
    cpuCores: { gatewayProcess: round(gatewayCpuCores), loadProcess: round(r.cpuCores) },
    target: wanted,
    meetsTarget: r.errors === 0 && ok > 0 && (target.minPerSecond === undefined || perSecond >= target.minPerSecond) && p99 < target.maxP99Ms,
  };
}

/** The load process: started once, asked for one operation at a time. */
function startLoad(): Promise<{ run: (spec: RunSpec) => Promise<LoadResult>; stop: () => Promise<void> }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], { serialization: 'advanced', stdio: 'inherit' });
  type Message = { type: 'ready' } | { type: 'result'; result: LoadResult } | { type: 'failed'; error: string };
  const next = () =>
    new Promise<Message>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: Message) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  return next().then(() => ({
    run: async (spec) => {
      const answer = next();
      child.send({ type: 'run', spec });
      const m = await answer;
      if (m.type !== 'result') throw new Error(`the load process failed: ${m.type === 'failed' ? m.error : m.type}`);
      return m.result;
    },
    stop: async () => {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  }));
}

/** Waits until the sealer and the domain projection have caught up with the log, so one operation's writes do not weigh on the next's figures. */
async function settle(database: DbClient): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [row] = await database.query<{ behind: boolean }[]>`
      SELECT coalesce((SELECT max(position) FROM events), 0) >
        least(coalesce((SELECT position FROM checkpoints WHERE name = 'domain'), 0), coalesce((SELECT max(position) FROM event_chain), 0)) AS behind`;
    if (!row?.behind) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log('  (the sealer or the domain projection is still behind after 60 s; going on)');
}

const db = await benchDatabase('bench_gateway');
await applyMigrations(db.url);
const database = createDbClient(db.url, { max: DB_CONNECTIONS });
const silent = pino({ level: 'silent' });
// The API logs a line per request, as deployed (synchronously, as main.ts does; to /dev/null here).
const requestLog = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
// NATS is not given, so the outbox relay waits; the sealer and the projection run.
const horizon = startHorizonNotifier(database);
const background = startBackground(db.url, () => undefined, silent, horizon);
const server = createGatewayServer({
  health: async () => ({ status: 'ok', service: 'gateway', version: 'bench', startedAt: new Date().toISOString(), checks: [] }),
  log: requestLog,
  maxBodyBytes: 1 << 20,
  db: database,
  horizon,
  rateLimit: RATE_LIMIT,
  // As deployed: a checked token is trusted for 5 s (GATEWAY_TOKEN_CACHE_SECONDS).
  tokenCacheMs: 5_000,
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
let load: Awaited<ReturnType<typeof startLoad>> | undefined;
try {
  const machine = benchMachine();
  const [version] = await database.query<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
  console.log(`machine: ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), ${machine.os}, Node ${machine.node}, PostgreSQL ${version!.v}`);

  const admin = (await createToken(database, { name: 'bench-admin', role: 'admin' }, 'bench')).token;
  const { token: developer, info: developerInfo } = await createToken(database, { name: 'bench-developer', role: 'developer', namespaces: ['bench'] }, 'bench');
  const developerActor = tokenActor(developerInfo);
  const viewer = (await createToken(database, { name: 'bench-viewer', role: 'viewer' }, 'bench')).token;

  // The state every operation runs against, written through the API as an admin would.
  for (const [what, resources] of [
    ['namespaces and pods', [...namespaceResources(), ...podResources()]],
    ['policies', policyResources()],
  ] as const) {
    const res = await fetch(`${url}/trpc/resources.put`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resources, reason: `gateway benchmark: ${what}` }),
    });
    const body = (await res.json()) as { result?: { data?: { changes: { op: string }[] } } };
    const applied = body.result?.data?.changes.filter((c) => c.op === 'applied').length ?? 0;
    if (res.status !== 200 || applied !== resources.length)
      throw new Error(`seeding ${what} failed (HTTP ${res.status}, ${applied} of ${resources.length} applied): ${JSON.stringify(body).slice(0, 1_000)}`);
  }
  await settle(database);
  const state = { namespaces: NAMESPACES.length, pods: pods.length, calicoNetworkPolicies: CALICO_POLICIES, kubernetesNetworkPolicies: K8S_POLICIES, keys: seededKeys().length };
  console.log(`seeded: ${state.namespaces} namespaces, ${state.pods} pods, ${state.calicoNetworkPolicies} Calico and ${state.kubernetesNetworkPolicies} Kubernetes network policies`);
  console.log(`load: ${CONCURRENCY} requests in flight, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s per operation`);

  load = await startLoad();
  const measure = async (op: Operation, token: string, target: { minPerSecond?: number; maxP99Ms: number }) => {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const r = await load!.run({ op, url, token, concurrency: CONCURRENCY, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS });
    const used = process.cpuUsage(cpuBefore);
    const gatewayCpuCores = (used.user + used.system) / 1000 / (performance.now() - start);
    await settle(database);
    const s = summarize(r, gatewayCpuCores, target);
    console.log(
      `  ${op.padEnd(13)} ${String(s.requestsPerSecond).padStart(6)} req/s  p50 ${s.p50Ms} ms  p95 ${s.p95Ms} ms  p99 ${s.p99Ms} ms  max ${s.maxMs} ms  ` +
        `(${s.requests} requests, ${s.errors} errors)  target ${s.target}: ${s.meetsTarget ? 'met' : 'NOT met'}`,
    );
    console.log(`    CPU: gateway process ${s.cpuCores.gatewayProcess} cores, load process ${s.cpuCores.loadProcess} cores`);
    if (r.errors) console.log(`    errors: ${JSON.stringify(r.errorKinds)}; first: ${r.errorSamples[0]}`);
    return s;
  };
  // BENCH_OPS=get,simulate runs only those (for quick comparisons); results.json is written by full runs only.
  const only = process.env['BENCH_OPS']?.split(',').filter(Boolean);
  if (only) {
    for (const op of only as Operation[]) await measure(op, op === 'apply' ? developer : viewer, { maxP99Ms: 50 });
  } else {
    const get = await measure('get', viewer, { minPerSecond: 1_000, maxP99Ms: 50 });
    const appliesBefore = await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events WHERE actor = ${developerActor} AND type = 'Resource.Applied'`;
    const apply = await measure('apply', developer, { minPerSecond: 1_000, maxP99Ms: 50 });
    const appliesAfter = await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events WHERE actor = ${developerActor} AND type = 'Resource.Applied'`;
    const simulate = await measure('simulate', viewer, { maxP99Ms: 50 });
    const simulateBatch = await measure('simulateBatch', viewer, { maxP99Ms: 50 });
    const [events] = await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`;

    const results = {
      benchmark: 'gateway',
      date: new Date().toISOString(),
      machine,
      postgres: version!.v,
      setup: {
        server: 'createGatewayServer in process (tRPC standalone adapter on node:http), with the sealer and domain projection running beside it; no NATS, so no outbox relay',
        client: 'a child process on the same machine: node:http with a keep-alive agent, tRPC HTTP wire format without batching',
        authentication: 'every request carries a bearer token; the gateway checks it against PostgreSQL and trusts the check for 5 s (the default GATEWAY_TOKEN_CACHE_SECONDS), as deployed',
        authorization: 'gets and simulations as a viewer; applies as a developer bound to namespace bench (namespace and tier checks run on every write)',
        rateLimit: `raised to ${RATE_LIMIT.perSecond.toLocaleString('en')}/s per token for the benchmark (default 200/s): one token drives all of an operation's load`,
        databaseConnections: DB_CONNECTIONS,
        concurrency: CONCURRENCY,
        warmupSeconds: WARMUP_SECONDS,
        secondsPerOperation: SECONDS,
        latency: 'from sending a request to reading its whole answer, successful requests only; requestsPerSecond counts successful requests only',
        cpu: 'cpuCores: CPU time of the gateway process (API, sealer, projection) and of the load process over warm-up and measurement, per second of wall time; PostgreSQL uses the rest',
      },
      state: { ...state, eventsAtEnd: Number(events!.n) },
      operations: {
        get: { ...get, what: 'resources.get of a random seeded key (namespace, pod or policy)' },
        apply: {
          ...apply,
          what: `resources.put of one policy in namespace bench (Calico or Kubernetes NetworkPolicy, ${APPLY_TARGETS} policies, each worker rewriting its own), a label and a port changed each time`,
          eventsWritten: Number(appliesAfter[0]!.n - appliesBefore[0]!.n),
          note: 'eventsWritten includes the warm-up; every measured success was checked to report op "applied"',
        },
        simulate: { ...simulate, what: 'policy.simulate of one TCP probe between two random seeded pods' },
        simulateBatch: { ...simulateBatch, what: `policy.simulate of ${BATCH_PROBES} probes in one request`, probesPerSecond: simulateBatch.requestsPerSecond * BATCH_PROBES },
      },
      targets: 'at least 1,000 gets/s (issue 16) and 1,000 applies/s at 16 in flight (issue 17), p99 under 50 ms; batched simulation held to the same p99 for reference',
    };
    writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
    console.log('written: bench/results.json');
  }
} finally {
  await load?.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await background.stop();
  await horizon.close();
  await database.close();
  await db.drop();
}
