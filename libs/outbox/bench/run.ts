// Outbox benchmark: `npx nx run outbox:bench`. Appends 20,000 events to a database of its own on the
// test stack's PostgreSQL and times the relay publishing them to a private nats-server. Writes
// bench/results.json with the machine. Measured, never asserted.
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
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
    return { events: count, ms: round(ms, 0), publishedPerSecond: Math.round(count / (ms / 1000)), streamMessages: info.state.messages, reached };
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
  console.log(`outbox: ${outbox.events} events published in ${outbox.ms} ms: ${outbox.publishedPerSecond} events/s`);
  const results = { benchmark: 'outbox relay', date: new Date().toISOString(), machine, postgres: version!.v, outbox };
  writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('written: bench/results.json');
} finally {
  await database.close();
  await db.drop();
}
