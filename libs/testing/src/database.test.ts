import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './database.js';
import { uniqueName } from './names.js';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('gives each caller its own empty database and drops it afterwards', async () => {
    const a = await createTestDatabase('iso');
    const b = await createTestDatabase('iso');
    try {
      expect(a.name).not.toBe(b.name);
      await query(a.url, 'create table only_in_a (id int)');
      const inB = await query(b.url, "select count(*)::int as n from pg_tables where tablename = 'only_in_a'");
      expect(inB.rows[0].n).toBe(0);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
    const left = await query(new URL(a.url).toString().replace(`/${a.name}`, '/postgres'), `select count(*)::int as n from pg_database where datname in ('${a.name}', '${b.name}')`);
    expect(left.rows[0].n).toBe(0);
  });

  it('drops a database even while a client is still connected to it', async () => {
    const db = await createTestDatabase('busy');
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    await db.drop();
    await expect(client.query('select 1')).rejects.toThrow();
  });
});

describe('uniqueName', () => {
  it('is safe as an SQL identifier, a NATS token and a task queue, and never repeats', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('My Test.Name*')));
    expect(names.size).toBe(200);
    for (const name of names) expect(name).toMatch(/^my_test_name_\d+_[0-9a-f]{8}$/);
  });
});
