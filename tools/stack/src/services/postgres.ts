import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { aptInstall } from '../apt.js';
import { describeError, StackError } from '../errors.js';
import { findExecutable, isAlive, run } from '../process.js';
import { pickPort } from '../ports.js';
import { redactUrl } from '@palisade/contracts';
import type { ServiceRecord } from '../state.js';
import { withTimeout } from '../wait.js';

export const DATABASE_NAME = 'palisade';
const SUPERUSER = 'palisade';

/** Connects and runs `select 1`; throws a plain error describing why not. */
export async function probePostgres(url: string, timeoutMs = 5_000): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await withTimeout(client.connect(), timeoutMs, `no answer within ${timeoutMs} ms`);
    const result = await client.query<{ version: string }>("select current_setting('server_version') as version");
    return result.rows[0]?.version ?? 'unknown';
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkExternalPostgres(url: string): Promise<ServiceRecord> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StackError('BAD_CONFIG', 'postgres', `DATABASE_URL is not a URL: ${redactUrl(url)}`, 'Use postgres://user:password@host:port/database.');
  }
  try {
    const version = await probePostgres(url);
    return { mode: 'external', url, listen: `${parsed.hostname}:${parsed.port || '5432'}`, details: { version } };
  } catch (error) {
    throw new StackError(
      'UNREACHABLE',
      'postgres',
      `PostgreSQL at ${redactUrl(url)} (DATABASE_URL) is unreachable: ${describeError(error)}`,
      'Fix DATABASE_URL, or unset it to let palisade start its own PostgreSQL.',
    );
  }
}

interface Binaries {
  initdb: string;
  pgCtl: string;
  version: string;
}

function findBinaries(): Binaries | undefined {
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(debianRoot, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) {
        return { initdb: join(bin, 'initdb'), pgCtl: join(bin, 'pg_ctl'), version };
      }
    }
  }
  const initdb = findExecutable('initdb');
  const pgCtl = findExecutable('pg_ctl');
  return initdb && pgCtl ? { initdb, pgCtl, version: 'unknown' } : undefined;
}

async function userIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const result = await run('id', ['-u', name]);
  const group = await run('id', ['-g', name]);
  if (result.code !== 0 || group.code !== 0) return undefined;
  return { uid: Number(result.stdout.trim()), gid: Number(group.stdout.trim()) };
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user
 * (created by the Debian package), or `nobody` when that user does not exist.
 */
async function serverUser(): Promise<{ name: string; uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const ids = await userIds(name);
    if (ids) return { name, ...ids };
  }
  throw new StackError('START_FAILED', 'postgres', 'running as root, but neither the postgres nor the nobody user exists to run PostgreSQL', 'Create a system user named postgres.');
}

export interface PrivatePostgresOptions {
  /** Directory owned by the stack (.palisade/postgres). */
  root: string;
  preferredPort?: number;
  /** Trade durability for speed (test stacks). */
  fast?: boolean;
  log: (line: string) => void;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions): Promise<ServiceRecord> {
  let bins = findBinaries();
  if (!bins) {
    await aptInstall('postgresql', 'postgres', options.log);
    bins = findBinaries();
    if (!bins) throw new StackError('MISSING_BINARY', 'postgres', 'PostgreSQL server binaries (initdb, pg_ctl) not found after installing postgresql', 'Install PostgreSQL, or set DATABASE_URL.');
  }
  const user = await serverUser();
  const root = await usableRoot(options.root, user);
  if (root !== options.root) options.log(`the ${user?.name} user cannot reach ${options.root}; keeping the cluster in ${root}`);
  const dataDir = join(root, 'data');
  const passwordFile = join(root, 'password');
  const logFile = join(root, 'postgres.log');
  const asUser = (cmd: string, args: string[]) => (user ? run('runuser', ['-u', user.name, '--', cmd, ...args], { cwd: root, timeoutMs: 120_000 }) : run(cmd, args, { cwd: root, timeoutMs: 120_000 }));

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    writeFileSync(passwordFile, randomBytes(18).toString('base64url') + '\n', { mode: 0o600 });
    if (user) chownSync(passwordFile, user.uid, user.gid);
    options.log(`initialising a PostgreSQL ${bins.version} cluster in ${dataDir}`);
    const init = await asUser(bins.initdb, ['-D', dataDir, '-U', SUPERUSER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', ...(options.fast ? ['--no-sync'] : [])]);
    if (init.code !== 0) {
      throw new StackError('START_FAILED', 'postgres', `initdb failed: ${lastLine(init.stderr || init.stdout)}`, `See ${dataDir}; delete it to start over.`);
    }
  }
  const password = readFileSync(passwordFile, 'utf8').trim();

  let port = runningPort(dataDir);
  if (port === undefined) {
    port = await pickPort(options.preferredPort);
    const settings = [
      `-c listen_addresses=127.0.0.1`,
      `-p ${port}`,
      `-c unix_socket_directories=''`,
      `-c max_connections=200`,
      ...(options.fast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
    ].join(' ');
    const start = await asUser(bins.pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', settings]);
    if (start.code !== 0) {
      throw new StackError('START_FAILED', 'postgres', `pg_ctl start failed: ${lastLine(start.stderr || start.stdout)}`, `See ${logFile}.`);
    }
  }
  const adminUrl = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, DATABASE_NAME);
  const pid = runningPid(dataDir);
  return {
    mode: 'private',
    url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    listen: `127.0.0.1:${port}`,
    ...(pid ? { pid } : {}),
    details: { dataDir, log: logFile, pgCtl: bins.pgCtl, version: bins.version, ...(user ? { user: user.name } : {}) },
  };
}

export async function stopPrivatePostgres(record: ServiceRecord): Promise<void> {
  const dataDir = record.details['dataDir'];
  const pgCtl = record.details['pgCtl'];
  const user = record.details['user'];
  if (!dataDir || !pgCtl || runningPort(dataDir) === undefined) return;
  const args = ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'];
  const result = user ? await run('runuser', ['-u', user, '--', pgCtl, ...args], { cwd: '/', timeoutMs: 60_000 }) : await run(pgCtl, args, { timeoutMs: 60_000 });
  if (result.code !== 0 && record.pid && isAlive(record.pid)) {
    process.kill(record.pid, 'SIGKILL');
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

/** The port of the postmaster running on dataDir, from postmaster.pid (line 4), if it is alive. */
function runningPort(dataDir: string): number | undefined {
  const lines = postmasterLines(dataDir);
  const pid = Number(lines?.[0]);
  const port = Number(lines?.[3]);
  return pid && isAlive(pid) && port ? port : undefined;
}

function runningPid(dataDir: string): number | undefined {
  const pid = Number(postmasterLines(dataDir)?.[0]);
  return pid && isAlive(pid) ? pid : undefined;
}

function postmasterLines(dataDir: string): string[] | undefined {
  try {
    return readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

/**
 * Where a stack's cluster lives when the server user cannot reach `preferred` (its place under the
 * stack home): what deleting the stack must delete too.
 */
export function postgresFallbackRoot(preferred: string): string {
  return join(tmpdir(), `palisade-postgres-${createHash('sha256').update(preferred).digest('hex').slice(0, 12)}`);
}

/**
 * The cluster lives under the stack home, owned by the server user. When that user cannot reach
 * the stack home (a checkout inside a private home directory), fall back to a directory under the
 * system temp dir, keyed by the stack home so each checkout keeps its own cluster.
 */
async function usableRoot(preferred: string, user: { name: string; uid: number; gid: number } | undefined): Promise<string> {
  const prepare = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o700);
    if (user) chownSync(dir, user.uid, user.gid);
  };
  prepare(preferred);
  if (!user) return preferred;
  const probe = await run('runuser', ['-u', user.name, '--', 'test', '-w', preferred, '-a', '-x', preferred], { cwd: '/' });
  if (probe.code === 0) return preferred;
  const fallback = postgresFallbackRoot(preferred);
  prepare(fallback);
  return fallback;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
}
