import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
export const schemaFile = join(packageRoot, 'prisma', 'schema.prisma');
export const migrationsDir = join(packageRoot, 'prisma', 'migrations');

/**
 * Each migration directory keeps a copy of the schema it was generated from (schema.prisma next
 * to migration.sql). The newest such copy is what the migrations add up to, so the next migration
 * is the diff from it to prisma/schema.prisma: a schema-to-schema diff, which works offline with
 * the JS schema engine (introspecting a live database does not).
 */
export function latestSchemaSnapshot(dir: string = migrationsDir): string | undefined {
  const withSnapshot = readdirSync(dir)
    .filter((entry) => existsSync(join(dir, entry, 'schema.prisma')))
    .sort();
  const latest = withSnapshot.at(-1);
  return latest ? join(dir, latest, 'schema.prisma') : undefined;
}

export interface DiffResult {
  /** The SQL that turns the `from` schema into the `to` schema; empty when they agree. */
  sql: string;
  empty: boolean;
}

/**
 * Runs `prisma migrate diff --script` between two schema files (or from nothing).
 * The CLI's pg adapter needs a reachable server at databaseUrl even for a schema-to-schema diff.
 */
export function diffSchemas(from: string | undefined, to: string, databaseUrl: string): Promise<DiffResult> {
  const prismaCli = join(dirname(createRequire(import.meta.url).resolve('prisma/package.json')), 'build', 'index.js');
  const args = [prismaCli, 'migrate', 'diff', ...(from ? ['--from-schema-datamodel', from] : ['--from-empty']), '--to-schema-datamodel', to, '--script', '--exit-code'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: packageRoot, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // --exit-code: 0 empty, 2 not empty, anything else an error.
      if (code === 0 || code === 2) {
        const sql = stdout.replace(/^Loaded Prisma config.*\n/m, '').trim();
        resolve({ sql: code === 0 ? '' : sql + '\n', empty: code === 0 });
      } else {
        reject(new Error(`prisma migrate diff failed (exit ${code}): ${(stderr || stdout).trim().split('\n').slice(-3).join(' ')}`));
      }
    });
  });
}
