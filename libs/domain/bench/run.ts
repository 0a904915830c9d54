// Audit query benchmark: `npx nx run domain:bench`. Fills a database of its own on the test stack's
// PostgreSQL (started if needed, or DATABASE_URL) with a million events shaped like the product's
// and times the audit questions. Writes bench/results.json with the machine. Measured, never asserted.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { writeFileSync } from 'node:fs';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, percentile, round, timed } from '@palisade/testing';
import { applyMigrations, countEvents, createDbClient, type DbClient } from '@palisade/event-store';
import { auditLog, resourceAsOf, resourcesAsOf } from '../src/index.js';

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
    wholeSetAsOf: await measure(10, (i) => resourcesAsOf(database, { position: Math.floor(top / 2) + i * 1000 })),
  };
}

const db = await benchDatabase('bench');
await applyMigrations(db.url);
const database = createDbClient(db.url, { max: 10 });
try {
  const machine = benchMachine();
  const [version] = await database.query<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
  console.log(`machine: ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), PostgreSQL ${version!.v}`);
  const fillMs = await fillMillion(database);
  const n = await countEvents(database);
  console.log(`filled to ${n} events in ${round(fillMs / 1000, 1)} s`);
  const queries = await queryLatencies(database);
  for (const [name, q] of Object.entries(queries)) console.log(`  ${name}: p50 ${q.p50Ms} ms, p95 ${q.p95Ms} ms`);
  const results = {
    benchmark: 'domain audit queries',
    date: new Date().toISOString(),
    machine,
    postgres: version!.v,
    audit: { events: n, queries, target: 'p95 under 50 ms at 1 million events', meetsTarget: Object.values(queries).every((q) => q.p95Ms < 50), note: 'wholeSetAsOf returns all 10,000 resources' },
  };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('written: bench/results.json');
} finally {
  await database.close();
  await db.drop();
}
