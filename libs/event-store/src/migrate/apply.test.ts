import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { applyMigrations } from './apply.js';
import { MigrationError } from './errors.js';
import { loadMigrations } from './load.js';

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase('migrator');
  databases.push(db);
  return db.url;
}
afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('applyMigrations', () => {
  it('applies the project migrations once and records them as Prisma does', async () => {
    const url = await freshDatabase();
    const first = await applyMigrations(url);
    expect(first.applied).toEqual(loadMigrations().map((m) => m.name));
    expect(first.alreadyApplied).toBe(0);

    const second = await applyMigrations(url);
    expect(second).toEqual({ applied: [], alreadyApplied: first.applied.length });

    const history = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      url,
      'select migration_name, checksum, finished_at from _prisma_migrations order by migration_name',
    );
    expect(history.map((h) => h.migration_name)).toEqual(first.applied);
    expect(history.map((h) => h.checksum)).toEqual(loadMigrations().map((m) => m.checksum));
    expect(history.every((h) => h.finished_at instanceof Date)).toBe(true);
  });

  it('lets concurrent migrators apply each migration exactly once', async () => {
    const url = await freshDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations(url)));
    const appliedCounts = results.map((r) => r.applied.length).sort();
    const total = loadMigrations().length;
    expect(appliedCounts).toEqual([0, 0, 0, total]);
    const rows = await query<{ n: string }>(url, 'select count(*)::text as n from _prisma_migrations');
    expect(Number(rows[0]?.n)).toBe(total);
  });

  it('refuses a migration whose file changed after it was applied, and writes nothing', async () => {
    const url = await freshDatabase();
    const original = migrationsDir({ '20260101000000_one': 'create table one (id int);' });
    await applyMigrations(url, { migrations: loadMigrations(original) });

    const edited = migrationsDir({
      '20260101000000_one': 'create table one (id int, extra text);',
      '20260102000000_two': 'create table two (id int);',
    });
    const error = await applyMigrations(url, { migrations: loadMigrations(edited) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'CHANGED', migration: '20260101000000_one' });
    // The pending migration after it was not applied either.
    const tables = await query<{ tablename: string }>(url, "select tablename from pg_tables where tablename in ('one', 'two') order by 1");
    expect(tables.map((t) => t.tablename)).toEqual(['one']);
  });

  it('rolls back a failing migration completely and reports where it failed', async () => {
    const url = await freshDatabase();
    const dir = migrationsDir({
      '20260101000000_ok': 'create table ok (id int);',
      '20260102000000_broken': 'create table half (id int);\n\ninsert into half values (1);\nselect * from nowhere;\n',
    });
    const error = await applyMigrations(url, { migrations: loadMigrations(dir) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'FAILED', migration: '20260102000000_broken', location: { line: 4, column: 15 } });
    expect((error as Error).message).toMatch(/migration\.sql:4:15: relation "nowhere" does not exist/);

    const tables = await query<{ tablename: string }>(url, "select tablename from pg_tables where tablename in ('ok', 'half') order by 1");
    expect(tables.map((t) => t.tablename)).toEqual(['ok']);
    const history = await query<{ migration_name: string }>(url, 'select migration_name from _prisma_migrations');
    expect(history.map((h) => h.migration_name)).toEqual(['20260101000000_ok']);
  });

  it('refuses to run against a database that has migrations this code does not know', async () => {
    const url = await freshDatabase();
    const newer = migrationsDir({ '20260101000000_one': 'select 1;', '20260105000000_future': 'select 2;' });
    await applyMigrations(url, { migrations: loadMigrations(newer) });
    const older = migrationsDir({ '20260101000000_one': 'select 1;' });
    await expect(applyMigrations(url, { migrations: loadMigrations(older) })).rejects.toMatchObject({
      code: 'UNKNOWN',
      migration: '20260105000000_future',
    });
  });

  it('rejects a badly named migration directory before touching the database', () => {
    const dir = migrationsDir({ 'add-things': 'select 1;' });
    expect(() => loadMigrations(dir)).toThrow(/must be named <14-digit timestamp>_<lower_snake_name>/);
  });
});
