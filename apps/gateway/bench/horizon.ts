// Horizon benchmark: `npx nx run gateway:bench-horizon`. How long a committed event takes to reach
// live subscribers (events.subscribe), and how many committed-horizon queries (the pg_locks read
// every ordered reader needs) the gateway process sends per second, with 1 and with 500
// subscribers. The process runs what a gateway runs: the API's subscriptions (called in process,
// without HTTP) and the background sealer and domain projection; a writer on a client of its own
// commits one event every 50 ms. Runs on the test stack's PostgreSQL (started if needed, or
// DATABASE_URL) in a database of its own. Measured, never asserted.
//
// HORIZON_LABEL names the run (default "run"); the figures go to bench/horizon-results.json under
// that label, and to HORIZON_OUT (a JSON file) when set. HORIZON_SECONDS (default 10) and
// HORIZON_SUBSCRIBERS (default "1,500") vary a run.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { pino } from 'pino';
import { createCaller, type Principal } from '@palisade/api';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, percentile, round } from '@palisade/testing';
import { append, applyMigrations, createDbClient, startHorizonNotifier, type DbClient } from '@palisade/event-store';
import { startBackground } from '../src/background.js';

const LABEL = process.env['HORIZON_LABEL'] ?? 'run';
const SECONDS = Number(process.env['HORIZON_SECONDS'] ?? 10);
const COUNTS = (process.env['HORIZON_SUBSCRIBERS'] ?? '1,500').split(',').map(Number);
const COMMIT_EVERY_MS = 50;
const DB_CONNECTIONS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Every horizon read, whoever sends it (subscriptions, sealer, projection), goes through a pg client
// of this process: count them there, by the one statement that only a horizon read sends.
let horizonQueries = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | undefined)?.text;
  if (typeof text === 'string' && text.includes('pg_locks')) horizonQueries++;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const viewer: Principal = { actor: 'token:bench-viewer', role: 'viewer' };
const health = async () => ({ status: 'ok' as const, service: 'gateway', version: 'bench', startedAt: new Date(0).toISOString(), checks: [] });

async function measure(url: string, subscribers: number) {
  const db: DbClient = createDbClient(url, { max: DB_CONNECTIONS });
  const writer = createDbClient(url, { max: 2 });
  const horizon = startHorizonNotifier(db);
  const background = startBackground(url, () => undefined, pino({ level: 'silent' }), horizon);
  const abort = new AbortController();
  // Every in-process subscription listens on this one signal (over HTTP each has its own).
  setMaxListeners(0, abort.signal);
  const committedAt = new Map<number, number>();
  const received: { position: number; at: number }[] = [];
  try {
    const caller = createCaller({ requestId: 'bench', health, db, horizon, principal: viewer }, { signal: abort.signal });
    // A subscription called in process starts when its first message is asked for: each reader asks at once.
    const readers = Array.from({ length: subscribers }, async () => {
      try {
        for await (const message of await caller.events.subscribe({})) {
          received.push({ position: Number((message as unknown as [string])[0]), at: performance.now() });
        }
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      }
    });
    // Let every subscription read the head and settle before the clock starts.
    await sleep(2_000);
    const idleFrom = horizonQueries;
    await sleep(2_000);
    const idleQueriesPerSecond = (horizonQueries - idleFrom) / 2;

    const from = horizonQueries;
    const started = performance.now();
    let commits = 0;
    for (let i = 0; performance.now() - started < SECONDS * 1000; i++) {
      const due = started + i * COMMIT_EVERY_MS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const [result] = await append(writer, [{ streamId: `bench/${i % 16}`, expectedVersion: 'any', events: [{ id: randomUUID(), type: 'Bench.Committed', payload: { i }, actor: 'bench' }] }]);
      committedAt.set(result!.positions[0]!, performance.now());
      commits++;
    }
    const seconds = (performance.now() - started) / 1000;
    const queriesPerSecond = (horizonQueries - from) / seconds;
    // The last commits' deliveries.
    const expected = commits * subscribers;
    for (let i = 0; i < 100 && received.length < expected; i++) await sleep(100);
    abort.abort();
    const failed = (await Promise.allSettled(readers)).filter((r) => r.status === 'rejected');
    if (failed.length) throw (failed[0] as PromiseRejectedResult).reason;
    // A subscriber can get an event before the writer's append() has returned (the notification
    // and the commit's answer race): that delivery took no time after the commit, so it counts as 0.
    const latencies = received.filter((r) => committedAt.has(r.position)).map((r) => Math.max(0, r.at - committedAt.get(r.position)!));
    const beforeAppendReturned = received.filter((r) => committedAt.has(r.position) && r.at < committedAt.get(r.position)!).length;
    return {
      subscribers,
      commits,
      commitEveryMs: COMMIT_EVERY_MS,
      deliveries: latencies.length,
      expectedDeliveries: expected,
      deliveredBeforeAppendReturned: beforeAppendReturned,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      horizonQueriesPerSecond: round(queriesPerSecond, 1),
      idleHorizonQueriesPerSecond: round(idleQueriesPerSecond, 1),
    };
  } finally {
    abort.abort();
    await background.stop();
    await horizon.close();
    await writer.close();
    await db.close();
  }
}

const machine = benchMachine();
const runs = [];
for (const subscribers of COUNTS) {
  const db = await benchDatabase('bench_horizon');
  try {
    await applyMigrations(db.url);
    const run = await measure(db.url, subscribers);
    console.log(
      `${subscribers} subscriber(s): commit to subscriber p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms (${run.deliveries}/${run.expectedDeliveries} deliveries); horizon queries ${run.horizonQueriesPerSecond}/s while writing, ${run.idleHorizonQueriesPerSecond}/s idle`,
    );
    runs.push(run);
  } finally {
    await db.drop();
  }
}
const result = {
  label: LABEL,
  date: new Date().toISOString(),
  machine,
  setup: {
    subscribers: 'events.subscribe called in process (no HTTP), each from the head of the log, on one DbClient of 8 connections as the gateway has',
    background: 'the sealer and the domain projection run beside them (startBackground, no NATS so no relay)',
    writer: `one event appended every ${COMMIT_EVERY_MS} ms on a client of its own, for ${SECONDS} s`,
    latency: 'from append() resolving (committed) to the subscriber receiving the event, over every delivery (0 for one received before append() returned)',
    horizonQueries: 'statements reading pg_locks (one per horizon read) sent by the process, per second, while writing and while idle',
  },
  runs,
};
const out = process.env['HORIZON_OUT'];
if (out) writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
const resultsFile = new URL('./horizon-results.json', import.meta.url);
const all = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>) : { benchmark: 'commit-to-subscriber latency and horizon queries' };
writeFileSync(resultsFile, JSON.stringify({ ...all, [LABEL]: result }, null, 2) + '\n');
console.log(`written: bench/horizon-results.json (${LABEL})${out ? ` and ${out}` : ''}`);
