// Event store benchmark: `npx nx run event-store:bench`. Runs against the real PostgreSQL of the
// test stack (started if needed, or DATABASE_URL/NATS_URL/TEMPORAL_ADDRESS) in a database of its
// own. Writes bench/results.json with the machine. Figures are measured, never asserted; the raw
// INSERT rates are measured in the same run. The outbox and the audit queries have their own
// benchmarks (libs/outbox, libs/domain).
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, percentile, round, timed } from '@palisade/testing';
import { randomBytes } from 'node:crypto';
import { append, applyMigrations, createDbClient, EventKey, introduceEventKey, logHead, readRange, type NewEvent, type DbClient } from '../src/index.js';

const event = (n: number, actor = 'bench'): NewEvent => ({
  id: randomUUID(),
  type: 'Bench.Appended',
  payload: { n, note: 'a small payload like a label change', labels: { app: 'web', tier: 'frontend' } },
  actor,
});

/** Runs `count` operations with `concurrency` workers; returns ops/s. */
async function rate(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const { ms } = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await op(next++);
      }),
    ),
  );
  return count / (ms / 1000);
}

async function rawInsertRates(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  await pool.query(`CREATE TABLE raw_events (position bigserial PRIMARY KEY, id uuid UNIQUE NOT NULL, stream_id text NOT NULL, version int NOT NULL, type text NOT NULL,
    payload jsonb NOT NULL, actor text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), content_hash text NOT NULL, UNIQUE (stream_id, version))`);
  const payload = JSON.stringify(event(0).payload);
  let v = 0;
  const single = await rate(4_000, 8, async (i) => {
    await pool.query('INSERT INTO raw_events (id, stream_id, version, type, payload, actor, content_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      randomUUID(),
      `raw/${i % 64}`,
      ++v,
      'Bench.Appended',
      payload,
      'bench',
      'x',
    ]);
  });
  const batches = await rate(400, 8, async (b) => {
    const ids = Array.from({ length: 100 }, () => randomUUID());
    await pool.query(
      `INSERT INTO raw_events (id, stream_id, version, type, payload, actor, content_hash)
       SELECT u, 'rawb/' || $2::text, $3::int * 100 + ord, 'Bench.Appended', $4::jsonb, 'bench', 'x' FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, ord)`,
      [ids, b, b, payload],
    );
  });
  await pool.end();
  return { singleRowsPerSecond: Math.round(single), batchRowsPerSecond: Math.round(batches * 100) };
}

async function appendRates(database: DbClient) {
  const versions = new Map<string, number>();
  // Appends to one stream wait for the one before, so expected versions always hold (contention is
  // measured elsewhere: tests); two workers can otherwise pick calls of the same stream at once.
  const tails = new Map<string, Promise<unknown>>();
  const appendOne = (stream: string, events: NewEvent[]) => {
    const next = (tails.get(stream) ?? Promise.resolve()).then(async () => {
      const expected = versions.get(stream) ?? 0;
      await append(database, [{ streamId: stream, expectedVersion: expected, events }]);
      versions.set(stream, expected + events.length);
    });
    tails.set(stream, next);
    return next;
  };
  const sequential = await rate(1_000, 1, (i) => appendOne(`seq/${i % 50}`, [event(i)]));
  const single = await rate(4_000, 8, (i) => appendOne(`single/${i % 8}/${i % 64}`, [event(i)]));
  let b = 0;
  const batched = await rate(300, 8, async () => {
    const k = b++;
    await appendOne(
      `batch/${k}`,
      Array.from({ length: 100 }, (_, j) => event(k * 100 + j)),
    );
  });
  return { singleEventsPerSecondOneWriter: Math.round(sequential), singleEventsPerSecond8Writers: Math.round(single), batchedEventsPerSecond8Writers: Math.round(batched * 100) };
}

/** Open loop: an append is started every 2 ms whatever happened to the previous ones; latency from its scheduled start. */
async function latencyAtLoad(database: DbClient, perSecond: number, seconds: number) {
  const latencies: number[] = [];
  const interval = 1000 / perSecond;
  const start = performance.now();
  const total = perSecond * seconds;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      append(database, [{ streamId: `load/${i}`, expectedVersion: 0, events: [event(i)] }]).then(() => {
        latencies.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - start) / 1000);
  return {
    offeredPerSecond: perSecond,
    seconds,
    achievedPerSecond: Math.round(achieved),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
  };
}

/**
 * What the writers' key costs (issue 11): appends in batches of 100, signed and unsigned, and
 * reading 10,000 events with and without checking each one's content hash and MAC, alternating
 * in one run so the machine's noise falls on both.
 */
async function eventKeyCost(url: string) {
  const key = new EventKey(randomBytes(32));
  const plain = createDbClient(url, { max: 4 });
  const keyed = createDbClient(url, { max: 4, eventKey: key });
  try {
    await introduceEventKey(plain, key);
    const batch = (db: DbClient, tag: string) => async (i: number) => append(db, [{ streamId: `keycost/${tag}${i}`, expectedVersion: 0, events: Array.from({ length: 100 }, (_, n) => event(n)) }]);
    const appendRate = { signed: [] as number[], unsigned: [] as number[] };
    for (let r = 0; r < 3; r++) {
      appendRate.unsigned.push((await rate(40, 4, batch(plain, `u${r}-`))) * 100);
      appendRate.signed.push((await rate(40, 4, batch(keyed, `s${r}-`))) * 100);
    }
    // 10,000 signed events in a row, which the keyed read checks one by one.
    const from = await logHead(plain);
    for (let i = 0; i < 100; i++) await batch(keyed, 'read-')(i);
    const upTo = await logHead(plain);
    const readMs = { checked: [] as number[], unchecked: [] as number[] };
    for (let r = 0; r < 5; r++) {
      readMs.unchecked.push((await timed(() => readRange(plain, from, upTo, 10_000))).ms);
      readMs.checked.push((await timed(() => readRange(keyed, from, upTo, 10_000))).ms);
    }
    const median = (xs: number[]) => percentile(xs, 50);
    return {
      appendEventsPerSecond: {
        unsigned: Math.round(median(appendRate.unsigned)),
        signed: Math.round(median(appendRate.signed)),
        ratio: round(median(appendRate.signed) / median(appendRate.unsigned)),
      },
      read10kEventsMs: { unchecked: round(median(readMs.unchecked)), checked: round(median(readMs.checked)), ratio: round(median(readMs.checked) / median(readMs.unchecked)) },
    };
  } finally {
    await keyed.close();
    await plain.close();
  }
}

const db = await benchDatabase('bench');
await applyMigrations(db.url);
const database = createDbClient(db.url, { max: 10 });
try {
  const machine = benchMachine();
  const [version] = await database.query<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
  console.log(`machine: ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), PostgreSQL ${version!.v}`);
  const raw = await rawInsertRates(db.url);
  console.log(`raw INSERT: ${raw.singleRowsPerSecond} rows/s one row per statement (8 clients), ${raw.batchRowsPerSecond} rows/s 100 rows per statement`);
  const appends = await appendRates(database);
  console.log(
    `append: ${appends.singleEventsPerSecondOneWriter} events/s one writer, ${appends.singleEventsPerSecond8Writers} events/s 8 writers single events, ${appends.batchedEventsPerSecond8Writers} events/s in batches of 100`,
  );
  const load = await latencyAtLoad(database, 500, 10);
  console.log(`latency at ${load.offeredPerSecond} events/s offered: p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms (achieved ${load.achievedPerSecond}/s)`);
  const keyCost = await eventKeyCost(db.url);
  console.log(
    `writers' key: appends ${keyCost.appendEventsPerSecond.signed} events/s signed vs ${keyCost.appendEventsPerSecond.unsigned} unsigned (${keyCost.appendEventsPerSecond.ratio}x); reading 10,000 events ${keyCost.read10kEventsMs.checked} ms checked vs ${keyCost.read10kEventsMs.unchecked} ms unchecked (${keyCost.read10kEventsMs.ratio}x)`,
  );
  const results = {
    benchmark: 'event store',
    date: new Date().toISOString(),
    machine,
    postgres: version!.v,
    rawInsert: raw,
    append: {
      ...appends,
      ratioSingleToRawSingle: round(appends.singleEventsPerSecond8Writers / raw.singleRowsPerSecond),
      ratioBatchedToRawBatched: round(appends.batchedEventsPerSecond8Writers / raw.batchRowsPerSecond),
      target: 'at least 5,000 events/s appended in batches',
      meetsTarget: appends.batchedEventsPerSecond8Writers >= 5_000,
    },
    latencyAtLoad: { ...load, target: 'p99 under 20 ms at 500 events/s', meetsTarget: load.p99Ms < 20 },
    eventKey: keyCost,
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('written: bench/results.json');
} finally {
  await database.close();
  await db.drop();
}
