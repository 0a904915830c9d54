import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError } from './errors.js';

export interface Migration {
  /** The directory name, `<timestamp>_<name>`, as Prisma names it. */
  name: string;
  sql: string;
  /** sha256 of migration.sql, hex: the same checksum Prisma records. */
  checksum: string;
  file: string;
}

/** prisma/migrations of this package, found from src/ or dist/ alike. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

const NAME = /^\d{14}_[a-z0-9_]+$/;

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Reads every `<dir>/<timestamp>_<name>/migration.sql`, ordered by name. */
export function loadMigrations(dir: string = defaultMigrationsDir): Migration[] {
  if (!existsSync(dir)) throw new MigrationError('BAD_DIRECTORY', undefined, `migrations directory ${dir} does not exist`);
  const migrations: Migration[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) continue;
    if (!NAME.test(entry)) {
      throw new MigrationError('BAD_DIRECTORY', entry, `migration directory ${entry} must be named <14-digit timestamp>_<lower_snake_name>`);
    }
    const file = join(path, 'migration.sql');
    if (!existsSync(file)) throw new MigrationError('BAD_DIRECTORY', entry, `${file} is missing`);
    const sql = readFileSync(file, 'utf8');
    migrations.push({ name: entry, sql, checksum: checksum(sql), file });
  }
  return migrations;
}

/** Turns PostgreSQL's 1-based character offset into a line and column of `sql`. */
export function locate(sql: string, position: number): { line: number; column: number } {
  const before = sql.slice(0, Math.max(0, position - 1));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
