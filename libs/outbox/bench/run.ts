// Outbox benchmark: `npx nx run outbox:bench`. Appends 20,000 events to a database of its own on the
// test stack's PostgreSQL and times the relay publishing them to a private nats-server, beside the
// same-run baseline: as many messages of the same size published straight to a JetStream stream on
// that server (ids for deduplication, 1,000 in flight, as the relay's batches). Writes
// bench/results.json with the machine. Measured, never asserted.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, streams } from '@palisade/bus';
import { advanceCheckpoint, append, applyMigrations, createDbClient, logHead, startHorizonNotifier, type DbClient, type NewEvent } from '@palisade/event-store';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, round, timed } from '@palisade/testing';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the benchmark starts its own nats-server, as the tests do
import { startPrivateNats, stopProcessGroup } from '@palisade/stack';
import { RELAY_CHECKPOINT, runRelay } from '../src/index.js';

const event = (n: number, actor = 'bench'): NewEvent => ({
  id: randomUUID(),
  type: 'Bench.Appended',
  payload: { n, note: 'a small payload like a label change', labels: { app: 'web', tier: 'frontend' } },
  actor,
});

/** The floor under the relay: raw JetStream publishes of messages like its, acked, 1,000 at a time. */
async function rawPublish(nc: NatsConnection, count: number, body: string) {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['bench.raw.>'], duplicate_window: 120_000_000_000 });
  const js = jetstream(nc);
  const { ms } = await timed(async () => {
    for (let i = 0; i < count; i += 1_000) {
      await Promise.all(Array.from({ length: Math.min(1_000, count - i) }, (_, j) => js.publish(`bench.raw.${(i + j) % 100}`, body, { msgID: randomUUID() })));
    }
  });
  await jsm.streams.delete('BENCH_RAW');
  return { publishedPerSecond: Math.round(count / (ms / 1000)) };
}

async function outboxThroughput(database: DbClient, count: number) {
  const root = mkdtempSync(join(tmpdir(), 'palisade-bench-nats-'));
  const nats = await startPrivateNats({ root, log: () => undefined });
  const nc = await connectBus({ url: nats.url, name: 'bench' });
  try {
    const start = await logHead(database);
    for (let i = 0; i < count; i += 100) await append(database, [{ streamId: `outbox/${i}`, expectedVersion: 0, events: Array.from({ length: 100 }, (_, j) => event(i + j)) }]);
    const end = await logHead(database);
    // The relay starts after the stream's last message; seed its checkpoint just before these events.
    await advanceCheckpoint(database, RELAY_CHECKPOINT, start);
    const abort = new AbortController();
    const horizon = startHorizonNotifier(database);
    let reached = 0;
    const { ms } = await timed(
      () =>
        new Promise<void>((resolve) => {
          void runRelay(database, nc, {
            horizon,
            signal: abort.signal,
            batch: 1_000,
            onProgress: (p) => {
              reached = p;
              if (p >= end) resolve();
            },
          });
        }),
    );
    abort.abort();
    await horizon.close();
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(streams.events.name);
    const sample = await jsm.streams.getMessage(streams.events.name, { seq: info.state.last_seq });
    const raw = await rawPublish(nc, count, sample ? new TextDecoder().decode(sample.data) : JSON.stringify(event(0)));
    const publishedPerSecond = Math.round(count / (ms / 1000));
    return {
      events: count,
      ms: round(ms, 0),
      publishedPerSecond,
      streamMessages: info.state.messages,
      reached,
      rawNatsPublishPerSecond: raw.publishedPerSecond,
      ratioToRawPublish: round(publishedPerSecond / raw.publishedPerSecond, 2),
    };
  } finally {
    await nc.close();
    await stopProcessGroup(nats.pid!, 5_000);
    rmSync(root, { recursive: true, force: true });
  }
}

const db = await benchDatabase('bench');
await applyMigrations(db.url);
const database = createDbClient(db.url, { max: 10 });
try {
  const machine = benchMachine();
  const [version] = await database.query<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
  console.log(`machine: ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), PostgreSQL ${version!.v}`);
  const outbox = await outboxThroughput(database, 20_000);
  console.log(
    `outbox: ${outbox.events} events published in ${outbox.ms} ms: ${outbox.publishedPerSecond} events/s (raw JetStream publish ${outbox.rawNatsPublishPerSecond}/s: ${outbox.ratioToRawPublish}x)`,
  );
  const results = { benchmark: 'outbox relay', date: new Date().toISOString(), machine, postgres: version!.v, outbox };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('written: bench/results.json');
} finally {
  await database.close();
  await db.drop();
}
