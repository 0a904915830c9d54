// Audit query benchmark: `npx nx run domain:bench`. Fills a database of its own on the test stack's
// PostgreSQL (started if needed, or DATABASE_URL) with a million events shaped like the product's
// and times the audit questions. Writes bench/results.json with the machine. Measured, never asserted.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, percentile, round, timed } from '@palisade/testing';
import { applyMigrations, CommittedHorizon, countEvents, createDbClient, EventKey, type DbClient } from '@palisade/event-store';
import { auditLog, resourceAsOf, resourcesAsOf, resourcesByProbe, SNAPSHOT_INTERVAL, takeSnapshot } from '../src/index.js';

/** One million events shaped like the product's: 10,000 resources, 100 actors, correlation ids, a year of times. */
async function fillMillion(database: DbClient) {
  const { ms } = await timed(async () => {
    // Appends go through the store's API; the filler writes rows of the same shape directly.
    await database.executeText('ALTER TABLE events DISABLE TRIGGER USER');
    for (let chunk = 0; chunk < 10; chunk++) {
      await database.executeText(
        `INSERT INTO events (id, stream_id, stream_type, version, type, schema_version, payload, actor, reason, correlation_id, recorded_at, content_hash)
         SELECT gen_random_uuid(), 'resource/NetworkPolicy/ns-' || (g % 100) || '/p-' || (g % 10000), 'resource', g / 10000 + 1, 'Resource.Applied', 1,
           jsonb_build_object('key', 'NetworkPolicy/ns-' || (g % 100) || '/p-' || (g % 10000), 'type', 'NetworkPolicy', 'namespace', 'ns-' || (g % 100), 'name', 'p-' || (g % 10000),
             'revision', g, 'before', NULL, 'after', jsonb_build_object('apiVersion', 'projectcalico.org/v3', 'kind', 'NetworkPolicy',
               'metadata', jsonb_build_object('name', 'p-' || (g % 10000), 'namespace', 'ns-' || (g % 100)), 'spec', jsonb_build_object('order', g % 1000, 'selector', 'app == ''a' || (g % 50) || ''''))),
           'user-' || (g % 100), 'bench fill', md5((g / 10)::text)::uuid, now() - interval '365 days' + (g * interval '31 seconds'), 'fill'
         FROM generate_series($1::bigint, $2::bigint) g`,
        chunk * 100_000,
        chunk * 100_000 + 99_999,
      );
    }
    await database.executeText('ALTER TABLE events ENABLE TRIGGER USER');
    await database.executeText('ANALYZE events');
  });
  return ms;
}

async function queryLatencies(database: DbClient) {
  const measure = async (runs: number, fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await fn(i);
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) xs.push((await timed(() => fn(i))).ms);
    return { runs, p50Ms: round(percentile(xs, 50)), p95Ms: round(percentile(xs, 95)) };
  };
  const [max] = await database.query<{ p: bigint }[]>`SELECT max(position) AS p FROM events`;
  const top = Number(max!.p);
  const [corr] = await database.query<{ c: string }[]>`SELECT correlation_id::text AS c FROM events WHERE correlation_id IS NOT NULL LIMIT 1 OFFSET 5000`;
  return {
    byResource: await measure(50, (i) => auditLog(database, { resource: `NetworkPolicy/ns-${i % 100}/p-${(i * 37) % 10000}` }, { limit: 100 })),
    byActor: await measure(50, (i) => auditLog(database, { actor: `user-${i % 100}` }, { limit: 100, after: (i * 9973) % top })),
    byCorrelationId: await measure(50, () => auditLog(database, { correlationId: corr!.c }, { limit: 100 })),
    byTimeRange: await measure(50, (i) => auditLog(database, { from: new Date(Date.now() - (300 - i) * 86_400_000), to: new Date(Date.now() - (299 - i) * 86_400_000) }, { limit: 100 })),
    oneResourceAsOf: await measure(50, (i) => resourceAsOf(database, `NetworkPolicy/ns-${i % 100}/p-${(i * 37) % 10000}`, { position: Math.floor(top / 2) + i })),
    // Positions 613 apart: from a snapshot's own position to nearly one interval past it.
    wholeSetAsOf: await measure(20, (i) => resourcesAsOf(keyed, { position: Math.floor(top / 2) + i * 613 })),
  };
}

/** The same whole-set queries answered by probing every resource stream: the baseline snapshots are measured against. */
async function probeBaseline(database: DbClient) {
  const [max] = await database.query<{ p: bigint }[]>`SELECT max(position) AS p FROM events`;
  const top = Number(max!.p);
  for (let i = 0; i < 3; i++) await resourcesByProbe(database, Math.floor(top / 2) + i * 613);
  const xs: number[] = [];
  for (let i = 0; i < 20; i++) xs.push((await timed(() => resourcesByProbe(database, Math.floor(top / 2) + i * 613))).ms);
  return { runs: 20, p50Ms: round(percentile(xs, 50)), p95Ms: round(percentile(xs, 95)) };
}

/** What the gateway's snapshotter does on a log it has not seen: every snapshot due, one at a time. */
async function takeSnapshots(database: DbClient) {
  const horizon = new CommittedHorizon();
  const { ms, result: taken } = await timed(async () => {
    let n = 0;
    while ((await takeSnapshot(database, horizon)) > 0) n++;
    return n;
  });
  const [size] = await database.query<{ bytes: bigint; largest: number }[]>`
    SELECT pg_total_relation_size('resource_snapshots') AS bytes, max(resource_count) AS largest FROM resource_snapshots`;
  return { interval: SNAPSHOT_INTERVAL, taken, ms: round(ms, 0), msEach: round(ms / Math.max(1, taken), 1), storedMiB: round(Number(size!.bytes) / 2 ** 20, 1), largest: size!.largest };
}

const db = await benchDatabase('bench');
await applyMigrations(db.url);
const database = createDbClient(db.url, { max: 10 });
// Snapshots are taken and read through a client with an event key, as the gateway's are: signed
// when taken, their MAC checked on every read (an HMAC over 2 MB of JSON is part of what is
// measured). The filler's rows carry no real content hash, so the audit log's queries, which
// check events, use a client without one.
const keyed = createDbClient(db.url, { max: 4, eventKey: new EventKey(randomBytes(32)) });
try {
  const machine = benchMachine();
  const [version] = await database.query<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
  console.log(`machine: ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), PostgreSQL ${version!.v}`);
  const fillMs = await fillMillion(database);
  const n = await countEvents(database);
  console.log(`filled to ${n} events in ${round(fillMs / 1000, 1)} s`);
  const snapshots = await takeSnapshots(keyed);
  console.log(`snapshots: ${snapshots.taken} taken in ${snapshots.ms} ms (${snapshots.msEach} ms each), ${snapshots.storedMiB} MiB stored, up to ${snapshots.largest} resources each`);
  const queries = await queryLatencies(database);
  for (const [name, q] of Object.entries(queries)) console.log(`  ${name}: p50 ${q.p50Ms} ms, p95 ${q.p95Ms} ms`);
  const probe = await probeBaseline(database);
  const speedup = round(probe.p50Ms / queries.wholeSetAsOf.p50Ms, 1);
  console.log(`  wholeSetAsOf by probing every stream (baseline): p50 ${probe.p50Ms} ms, p95 ${probe.p95Ms} ms; snapshots ${speedup}x`);
  const results = {
    benchmark: 'domain audit queries',
    date: new Date().toISOString(),
    machine,
    postgres: version!.v,
    audit: {
      events: n,
      queries,
      target: 'p95 under 50 ms at 1 million events',
      meetsTarget: Object.values(queries).every((q) => q.p95Ms < 50),
      note: 'wholeSetAsOf returns all 10,000 resources, from the nearest snapshot and the events after it',
    },
    snapshots,
    baseline: { naiveWholeSetAsOfByProbe: probe, speedupOverProbe: speedup, note: 'the same positions answered by probing every resource stream (what as-of did before snapshots), in the same run' },
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('written: bench/results.json');
} finally {
  await database.close();
  await keyed.close();
  await db.drop();
}
