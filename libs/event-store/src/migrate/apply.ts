import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MigrationError } from './errors.js';
import { loadMigrations, locate, type Migration } from './load.js';

/** The same advisory lock key Prisma Migrate takes, so our migrator and Prisma's exclude each other. */
const ADVISORY_LOCK_KEY = 72707369;

/** Prisma's own bookkeeping table, so `prisma migrate status` agrees with what we applied. */
const CREATE_HISTORY = `
create table if not exists "_prisma_migrations" (
  "id"                  varchar(36) primary key not null,
  "checksum"            varchar(64) not null,
  "finished_at"         timestamptz,
  "migration_name"      varchar(255) not null,
  "logs"                text,
  "rolled_back_at"      timestamptz,
  "started_at"          timestamptz not null default now(),
  "applied_steps_count" integer not null default 0
)`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export interface MigrateOptions {
  migrations?: Migration[];
  log?: (line: string) => void;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Brings the database up to date. Holds a session advisory lock for the whole run, so concurrent
 * starters (two gateways, a test run beside a dev stack) apply each migration exactly once.
 * Each migration runs in its own transaction together with its history row: it is applied
 * completely or not at all. Refuses to go on when an applied migration's file has changed.
 */
export async function applyMigrations(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = options.migrations ?? loadMigrations();
  const log = options.log ?? (() => undefined);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  // A connection lost between statements fails the next one; unheard, it would end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    try {
      // Only the owner may create it; an application login that merely checks the schema may not.
      const { rows: history } = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
      if (history[0]?.t === null) await client.query(CREATE_HISTORY);
      const { rows } = await client.query<HistoryRow>(`select migration_name, checksum, finished_at, rolled_back_at from "_prisma_migrations" where rolled_back_at is null order by migration_name`);
      const byName = new Map(migrations.map((m) => [m.name, m]));
      const applied = new Set<string>();
      for (const row of rows) {
        const migration = byName.get(row.migration_name);
        if (!migration) {
          throw new MigrationError('UNKNOWN', row.migration_name, `the database has migration ${row.migration_name} applied, which this code does not have; it is newer than this build`);
        }
        if (!row.finished_at) {
          throw new MigrationError('INCOMPLETE', row.migration_name, `migration ${row.migration_name} was started and never finished; repair the database by hand, then mark it rolled back`);
        }
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(
            'CHANGED',
            row.migration_name,
            `migration ${row.migration_name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${migration.checksum.slice(0, 12)}… on disk); add a new migration instead of editing an applied one`,
          );
        }
        applied.add(row.migration_name);
      }
      const done: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        const started = Date.now();
        await client.query('begin');
        try {
          await client.query(migration.sql);
          await client.query(
            `insert into "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
             values ($1, $2, $3, $4, now(), 1)`,
            [randomUUID(), migration.checksum, migration.name, new Date(started)],
          );
          await client.query('commit');
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw failed(migration, error);
        }
        log(`applied migration ${migration.name} in ${Date.now() - started} ms`);
        done.push(migration.name);
      }
      return { applied: done, alreadyApplied: applied.size };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function failed(migration: Migration, error: unknown): MigrationError {
  const pgError = error as { message?: string; position?: string; code?: string };
  const position = Number(pgError.position);
  const location = position > 0 ? locate(migration.sql, position) : undefined;
  const where = location ? `${migration.file}:${location.line}:${location.column}` : migration.file;
  return new MigrationError(
    'FAILED',
    migration.name,
    `migration ${migration.name} failed at ${where}: ${pgError.message ?? String(error)}${pgError.code ? ` (SQLSTATE ${pgError.code})` : ''}; nothing of it was applied`,
    location,
  );
}
