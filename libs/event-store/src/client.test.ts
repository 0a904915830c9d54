import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createDbClient, DbError, type DbClient } from './client.js';
import { applyMigrations } from './migrate/apply.js';

describe('the SQL client on PostgreSQL', () => {
  let db: TestDatabase;
  let sql: DbClient;

  beforeAll(async () => {
    db = await createTestDatabase('sqlclient');
    await applyMigrations(db.url);
    sql = createDbClient(db.url, { max: 3 });
  });
  afterAll(async () => {
    await sql?.close();
    await db?.drop();
  });

  const insert = (tx: Pick<DbClient, 'execute'>, streamId: string, version: number, payload: unknown = {}) =>
    tx.execute`INSERT INTO events (id, stream_id, stream_type, version, type, payload, actor, content_hash) VALUES (${randomUUID()}::uuid, ${streamId}, 'resource', ${version}, 'ResourceApplied', ${JSON.stringify(payload)}::jsonb, 'alice', 'test')`;

  it('sends values as parameters and reads back the types the store relies on', async () => {
    const payload = { kind: 'GlobalNetworkPolicy', name: "o'brien; DROP TABLE events; --", spec: { order: 10 } };
    expect(await insert(sql, 'resource/GlobalNetworkPolicy/x', 1, payload)).toBe(1);
    const [row] = await sql.query<{ position: bigint; payload: unknown; recorded_at: Date; version: number; ids: bigint[]; n: bigint }[]>`
      SELECT position, payload, recorded_at, version, ARRAY[position, 2::bigint] AS ids, (SELECT count(*) FROM events) AS n FROM events WHERE stream_id = ${'resource/GlobalNetworkPolicy/x'}`;
    expect(typeof row!.position).toBe('bigint');
    expect(row!.payload).toEqual(payload);
    expect(row!.recorded_at).toBeInstanceOf(Date);
    expect(row!.version).toBe(1);
    expect(row!.ids).toEqual([row!.position, 2n]);
    expect(row!.n).toBe(1n);
    // bigint, arrays and Dates as parameters.
    const [echo] = await sql.queryText<{ b: bigint; a: string[]; t: Date }[]>('SELECT $1::bigint AS b, $2::text[] AS a, $3::timestamptz AS t', 9007199254740993n, ['x', "y'"], new Date(0));
    expect(echo).toEqual({ b: 9007199254740993n, a: ['x', "y'"], t: new Date(0) });
  });

  it('reports a duplicate stream version with its SQLSTATE and constraint, and rolls a transaction back as a whole', async () => {
    const streamId = `resource/NetworkSet/${randomUUID()}`;
    await insert(sql, streamId, 1);
    await expect(insert(sql, streamId, 1)).rejects.toMatchObject({ name: 'DbError', code: '23505', constraint: 'events_stream_id_version_key', message: expect.stringContaining('duplicate key') });
    const other = `resource/NetworkSet/${randomUUID()}`;
    const attempt = sql.transaction(async (tx) => {
      await insert(tx, other, 1);
      await insert(tx, other, 1);
    });
    await expect(attempt).rejects.toBeInstanceOf(DbError);
    const [row] = await sql.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events WHERE stream_id = ${other}`;
    expect(row!.n).toBe(0n);
  });

  it('rolls back what a transaction did when its function throws, and commits when it returns', async () => {
    const streamId = `resource/Tier/${randomUUID()}`;
    await expect(
      sql.transaction(async (tx) => {
        await insert(tx, streamId, 1);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await sql.transaction(async (tx) => insert(tx, streamId, 1))).toBe(1);
    const [row] = await sql.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events WHERE stream_id = ${streamId}`;
    expect(row!.n).toBe(1n);
  });

  it('expires a transaction that runs past its timeout, writing nothing', async () => {
    const streamId = `resource/Tier/${randomUUID()}`;
    await expect(
      sql.transaction(
        async (tx) => {
          await insert(tx, streamId, 1);
          await new Promise((r) => setTimeout(r, 150));
          await insert(tx, streamId, 2);
        },
        { timeout: 100 },
      ),
    ).rejects.toThrow(/transaction expired: it ran longer than its 100 ms timeout/);
    const [row] = await sql.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events WHERE stream_id = ${streamId}`;
    expect(row!.n).toBe(0n);
  });

  it('runs a transaction at the isolation level asked for', async () => {
    const level = await sql.transaction(async (tx) => (await tx.query<{ l: string }[]>`SELECT current_setting('transaction_isolation') AS l`)[0]!.l, { isolationLevel: 'RepeatableRead' });
    expect(level).toBe('repeatable read');
  });

  it('names an unreachable server in its error', async () => {
    const down = createDbClient('postgres://postgres@127.0.0.1:1/x', { max: 1 });
    await expect(down.query`SELECT 1`).rejects.toMatchObject({ message: expect.stringMatching(/ECONNREFUSED/) });
    await down.close();
  });
});
