// The outbox relay and an ordered projection under load, with late commits, a killed relay and a
// NATS outage: against the real PostgreSQL and a private nats-server this test starts and stops.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { agentInboxPrefix, agentPermissions, connectBus, streams, subjects } from '@palisade/bus';
import { issueUser, NatsAuth } from '@palisade/nats-auth';
import { append, applyMigrations, readCheckpoint, type Tx, createDbClient, projectBatch, runLoop, CommittedHorizon, startHorizonNotifier, type DbClient, type Projection } from '@palisade/event-store';
import { newRelayStatus, POSITION_HEADER, RELAY_CHECKPOINT, runRelay } from '@palisade/outbox';
import { headers as natsHeaders, connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { startPrivateNats, stopProcessGroup } from '@palisade/stack';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';

interface Published {
  position: number;
  id: string;
}

/** Every message in the events stream, in stream order. */
async function publishedEvents(nc: NatsConnection): Promise<Published[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(streams.events.name);
  const out: Published[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(streams.events.name, { seq });
    if (!msg) continue;
    out.push({ position: Number(msg.header.get(POSITION_HEADER)), id: msg.header.get('Nats-Msg-Id') });
  }
  return out;
}

async function allEvents(database: DbClient): Promise<Published[]> {
  const rows = await database.query<{ position: bigint; id: string }[]>`SELECT position, id::text AS id FROM events ORDER BY position`;
  return rows.map((r) => ({ position: Number(r.position), id: r.id }));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const newEvent = (n: number) => ({ id: randomUUID(), type: 'Load.Tested', payload: { n }, actor: 'system:test' });

describe('outbox relay and ordered readers', () => {
  let db: TestDatabase;
  let database: DbClient;
  let root: string;
  let nats: { pid: number; url: string; port: number; authFile: string };
  let nc: NatsConnection;
  const stops: AbortController[] = [];

  const startNats = async (preferredPort?: number) => {
    const record = await startPrivateNats({ root, log: () => undefined, ...(preferredPort ? { preferredPort } : {}) });
    return { pid: record.pid!, url: record.url, port: Number(record.listen!.split(':')[1]), authFile: record.details['authFile']! };
  };

  beforeEach(async () => {
    db = await createTestDatabase('outbox');
    await applyMigrations(db.url);
    database = createDbClient(db.url, { max: 16 });
    root = mkdtempSync(join(tmpdir(), 'palisade-outbox-'));
    nats = await startNats();
    nc = await connectBus({ url: nats.url, name: 'outbox-test' });
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) s.abort();
    await nc?.close().catch(() => undefined);
    if (nats) await stopProcessGroup(nats.pid, 5_000);
    rmSync(root, { recursive: true, force: true });
    await database?.close();
    await db?.drop();
  });

  const startRelay = (progress: { position: number }, status = newRelayStatus()) => {
    const stop = new AbortController();
    stops.push(stop);
    const horizon = startHorizonNotifier(database);
    const done = runRelay(database, nc, { horizon, signal: stop.signal, batch: 200, status, onProgress: (p) => (progress.position = p) }).finally(() => horizon.close());
    return { stop, done, status };
  };

  it('delivers every event exactly once and in position order to the relay and a projection, late commits included', async () => {
    await database.executeText('CREATE TABLE projection_seen (seq serial PRIMARY KEY, position bigint NOT NULL UNIQUE, id uuid NOT NULL UNIQUE)');
    const seen: Projection = {
      name: 'test-seen',
      apply: async (tx, event) => {
        await tx.execute`INSERT INTO projection_seen (position, id) VALUES (${event.position}, ${event.id}::uuid)`;
      },
      reset: async (tx) => {
        await tx.execute`DELETE FROM projection_seen`;
      },
    };
    const progress = { position: 0 };
    const relay = startRelay(progress);
    const projectionStop = new AbortController();
    stops.push(projectionStop);
    const horizon = new CommittedHorizon();
    const projection = runLoop(() => projectBatch(database, horizon, seen, 100), { signal: projectionStop.signal, idleMs: 20 });

    // 8 writers x 40 appends over 25 streams; every 10th append holds its commit back for a while,
    // so later positions commit before it.
    let n = 0;
    let late = 0;
    const witness = new pg.Client({ connectionString: db.url });
    await witness.connect();
    // A held commit is "late" when, just before it commits, a higher position is already committed.
    const holdAndWitness = async (tx: Tx, wait: number) => {
      await new Promise((r) => setTimeout(r, wait));
      const [mine] = await tx.query<{ p: bigint }[]>`SELECT max(position) AS p FROM events WHERE xmin::text::bigint = pg_current_xact_id()::text::bigint % 4294967296`;
      // On a connection of its own: the pool's are all busy with held transactions.
      const { rows } = await witness.query<{ p: string | null }>('SELECT max(position) AS p FROM events');
      if (mine?.p !== null && mine?.p !== undefined && Number(rows[0]?.p ?? 0) > Number(mine.p)) late++;
    };
    const writer = async (w: number) => {
      for (let i = 0; i < 40; i++) {
        const slow = (w * 40 + i) % 10 === 0;
        await append(database, [{ streamId: `load/s${(w * 7 + i) % 25}`, expectedVersion: 'any', events: [newEvent(n++), ...(i % 4 === 0 ? [newEvent(n++), newEvent(n++)] : [])] }], {
          ...(slow ? { beforeCommit: (tx) => holdAndWitness(tx, 150 + (i % 3) * 100) } : {}),
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    await witness.end();
    const events = await allEvents(database);
    expect(events.length).toBe(n);
    // Positions really did commit out of order, many times over.
    expect(late).toBeGreaterThan(10);

    const last = events[events.length - 1]!.position;
    await until('the relay to publish everything', async () => progress.position >= last);
    await until('the projection to catch up', async () => Number((await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM projection_seen`)[0]!.n) >= events.length);

    const published = await publishedEvents(nc);
    expect(published).toEqual(events);
    const projected = await database.query<{ position: bigint; id: string }[]>`SELECT position, id::text AS id FROM projection_seen ORDER BY seq`;
    expect(projected.map((r) => ({ position: Number(r.position), id: r.id }))).toEqual(events);
    projectionStop.abort();
    relay.stop.abort();
    await Promise.all([projection, relay.done]);
  });

  // Issue 11, item 2: one message published to palisade.events.… with a large position header
  // used to make the relay "resume after position 999999999" and publish nothing more, silently.
  it('trusts its own checkpoint, not the stream: a forged message is reported and removed, and publishing goes on', async () => {
    const batch = async (count: number, from: number) => {
      for (let i = 0; i < count; i += 10) await append(database, [{ streamId: `forge/s${i % 5}`, expectedVersion: 'any', events: Array.from({ length: 10 }, (_, k) => newEvent(from + i + k)) }]);
    };
    const forge = async (position: string) => {
      const h = natsHeaders();
      h.set(POSITION_HEADER, position);
      await jetstream(nc).publish(subjects.event('resource', 'NetworkPolicy/shop/evil'), JSON.stringify({ type: 'Resource.Applied', payload: { allow: 'all' } }), { headers: h, msgID: randomUUID() });
    };
    await batch(100, 0);
    const progress = { position: 0 };
    const first = startRelay(progress);
    let last = (await allEvents(database)).at(-1)!.position;
    await until('the relay to publish the first events', async () => progress.position >= last);
    first.stop.abort();
    await first.done;

    // While no relay runs, someone publishes a message claiming a far-away position.
    await forge('999999999');
    await batch(50, 100);
    const second = startRelay(progress);
    last = (await allEvents(database)).at(-1)!.position;
    await until('the relay to publish past the forged message', async () => progress.position >= last, 30_000);
    expect(second.status.foreignRemoved).toBe(1);
    expect(await readCheckpoint(database, RELAY_CHECKPOINT)).toBe(last);

    // And while it runs: its next publish finds the stream's tail is not what it wrote.
    await forge('5');
    await batch(30, 150);
    last = (await allEvents(database)).at(-1)!.position;
    await until('the relay to publish past the second forged message', async () => progress.position >= last, 30_000);
    expect(second.status.foreignRemoved).toBe(2);
    expect(await publishedEvents(nc)).toEqual(await allEvents(database));
    second.stop.abort();
    await second.done;
  });

  it('serves no client without credentials, and agents may not publish events', async () => {
    const anonymous = nats.url.replace(/\/\/[^@]*@/, '//');
    await expect(connect({ servers: anonymous, reconnect: false, timeout: 3_000 })).rejects.toThrow(/authoriz/i);
    // An agent with its own credentials, as agents.join issues them.
    const user = await issueUser(NatsAuth.parse(JSON.parse(readFileSync(nats.authFile, 'utf8'))), 'alpha/n1', agentPermissions('alpha', 'n1'));
    const agent = await connectBus({ url: anonymous, name: 'agent-test', credentials: { jwt: user.jwt, seed: user.seed }, inboxPrefix: agentInboxPrefix('alpha', 'n1') });
    try {
      const h = natsHeaders();
      h.set(POSITION_HEADER, '1');
      await expect(jetstream(agent).publish(subjects.event('resource', 'x'), '{}', { headers: h, timeout: 2_000 })).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });

  it('loses and repeats nothing when the relay is killed mid-stream and NATS goes away', async () => {
    const batch = async (count: number) => {
      for (let i = 0; i < count; i += 10) await append(database, [{ streamId: `fault/s${i % 7}`, expectedVersion: 'any', events: Array.from({ length: 10 }, (_, k) => newEvent(i + k)) }]);
    };
    await batch(400);
    const progress = { position: 0 };
    const first = startRelay(progress);
    await until('the relay to publish part of the log', async () => progress.position > 0);
    // Killed mid-stream: whatever it was publishing is left half done.
    first.stop.abort();
    await first.done;
    const partial = (await publishedEvents(nc)).length;
    expect(partial).toBeGreaterThan(0);

    // NATS goes away; events keep being committed.
    await stopProcessGroup(nats.pid, 5_000);
    await batch(200);
    const second = startRelay(progress);
    await batch(100);
    await new Promise((r) => setTimeout(r, 1_500));
    // Back on the same port, with its stored stream.
    nats = await startNats(nats.port);
    await batch(100);
    const events = await allEvents(database);
    const last = events[events.length - 1]!.position;
    await until('the relay to publish everything after the outage', async () => progress.position >= last, 90_000);
    const published = await publishedEvents(nc);
    expect(published.length).toBe(events.length);
    expect(new Set(published.map((p) => p.id)).size).toBe(events.length);
    expect(published).toEqual(events);
    second.stop.abort();
    await second.done;
  }, 180_000);
});
