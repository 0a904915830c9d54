import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { describeError, StackError } from '../errors.js';
import { cacheDir } from '../paths.js';
import { findExecutable, run, startDetached } from '../process.js';
import { pickPort } from '../ports.js';
import type { ServiceRecord } from '../state.js';
import { acquireLock } from '../state.js';
import { waitFor, withTimeout } from '../wait.js';

/** Later tags carry a replace directive that `go install` refuses; this is the newest that builds. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

/** Asks the frontend for its system info and the namespace; proves the server answers requests. */
export async function probeTemporal(address: string, namespace = 'default', timeoutMs = 5_000): Promise<string> {
  const connection = await withTimeout(Connection.connect({ address, connectTimeout: timeoutMs }), timeoutMs + 500, `no answer within ${timeoutMs} ms`);
  try {
    const info = await withTimeout(connection.workflowService.getSystemInfo({}), timeoutMs, `no answer within ${timeoutMs} ms`);
    await withTimeout(connection.workflowService.describeNamespace({ namespace }), timeoutMs, `namespace ${namespace} not ready`);
    return info.serverVersion || 'unknown';
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function checkExternalTemporal(address: string, namespace: string): Promise<ServiceRecord> {
  if (!/^[^\s:/]+:\d+$/.test(address)) {
    throw new StackError('BAD_CONFIG', 'temporal', `TEMPORAL_ADDRESS must be host:port, got ${JSON.stringify(address)}`, 'For example TEMPORAL_ADDRESS=127.0.0.1:7233.');
  }
  try {
    const version = await probeTemporal(address, namespace);
    return { mode: 'external', url: address, listen: address, details: { version, namespace } };
  } catch (error) {
    throw new StackError(
      'UNREACHABLE',
      'temporal',
      `Temporal at ${address} (TEMPORAL_ADDRESS) is unreachable: ${describeError(error)}`,
      'Fix TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE), or unset it to let palisade start the Temporal dev server.',
    );
  }
}

/** Where the built dev server is cached, shared by every clone on the machine. */
export function temporalBinaryPath(): string {
  return join(cacheDir(), 'bin', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function findGo(): string | undefined {
  return findExecutable('go', ['/usr/local/go/bin', '/usr/lib/go/bin']);
}

/**
 * No Debian or npm package ships a Temporal server, so we build the Temporal CLI (whose
 * `server start-dev` is the dev server) once with the Go toolchain and cache the binary.
 */
export async function ensureTemporalBinary(log: (line: string) => void, options: { progressEveryMs?: number } = {}): Promise<string> {
  const override = process.env['PALISADE_TEMPORAL_BIN'];
  if (override) {
    if (!existsSync(override)) throw new StackError('BAD_CONFIG', 'temporal', `PALISADE_TEMPORAL_BIN points at ${override}, which does not exist`, 'Unset it to let palisade build the dev server.');
    return override;
  }
  const target = temporalBinaryPath();
  if (existsSync(target)) return target;
  const go = findGo();
  if (!go) {
    throw new StackError(
      'MISSING_BINARY',
      'temporal',
      'the Temporal dev server is not built yet and Go is not installed to build it',
      `Install Go 1.25+ (https://go.dev/dl), or set TEMPORAL_ADDRESS to an existing Temporal server. The build is: go install ${TEMPORAL_CLI_MODULE}`,
    );
  }
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  const release = await acquireLock(join(dir, 'build.lock'), 30 * 60_000);
  try {
    if (existsSync(target)) return target;
    const staging = join(dir, `staging-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    log(
      `building the Temporal dev server (go install ${TEMPORAL_CLI_MODULE}) once for this machine: it downloads and compiles about ${TYPICAL_PACKAGES} packages, ${TYPICAL_MINUTES} minutes on 2 cores; later starts reuse ${target}`,
    );
    const progress = new BuildProgress(log, options.progressEveryMs);
    const result = await run(go, ['install', '-v', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: staging, GOFLAGS: [process.env['GOFLAGS'], '-buildvcs=false'].filter(Boolean).join(' ') },
      timeoutMs: 45 * 60_000,
      // `go install -v` names each package as it compiles it, on stderr.
      onStderr: (chunk) => progress.output(chunk),
    }).finally(() => progress.stop());
    const built = join(staging, 'temporal');
    if (result.code !== 0 || !existsSync(built)) {
      const detail = result.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      throw new StackError(
        'BUILD_FAILED',
        'temporal',
        `go install ${TEMPORAL_CLI_MODULE} failed: ${detail || `exit ${result.code}`}`,
        'Check that the Go module proxy is reachable (go env GOPROXY), or set TEMPORAL_ADDRESS.',
      );
    }
    renameSync(built, target);
    rmSync(staging, { recursive: true, force: true });
    return target;
  } finally {
    release();
  }
}

/**
 * What a build of v1.5.1 compiles and takes, measured on a 2-core machine with an empty build cache
 * (1,297 packages; 3.5 minutes idle, 5 minutes while tests ran): said up front so the wait is expected.
 */
const TYPICAL_PACKAGES = 1_300;
const TYPICAL_MINUTES = '3 to 5';

/** Reports a long build every `everyMs`: packages compiled so far (of about how many) and the time spent. */
export class BuildProgress {
  private packages = 0;
  private partial = '';
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: (line: string) => void,
    everyMs = 15_000,
  ) {
    this.timer = setInterval(() => this.log(this.line()), everyMs);
    this.timer.unref();
  }

  /** Counts the package lines in a piece of `go install -v` output. */
  output(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (/^[\w.-]+(\/[\w.@+~-]+)*$/.test(line.trim()) && line.trim()) this.packages++;
  }

  line(): string {
    const seconds = Math.round((Date.now() - this.started) / 1000);
    const elapsed = seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
    return `  still building the Temporal dev server: ${this.packages} of about ${TYPICAL_PACKAGES} packages compiled, ${elapsed} so far`;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface PrivateTemporalOptions {
  root: string;
  preferredPort?: number;
  log: (line: string) => void;
}

export async function startPrivateTemporal(options: PrivateTemporalOptions): Promise<ServiceRecord> {
  const binary = await ensureTemporalBinary(options.log);
  mkdirSync(options.root, { recursive: true });
  const port = await pickPort(options.preferredPort);
  const httpPort = await pickPort();
  const metricsPort = await pickPort();
  const logFile = join(options.root, 'temporal.log');
  const dbFile = join(options.root, 'temporal.db');
  const child = startDetached(
    binary,
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--http-port',
      String(httpPort),
      '--metrics-port',
      String(metricsPort),
      '--db-filename',
      dbFile,
      '--log-format',
      'json',
      '--log-level',
      'warn',
      '--disable-config-file',
      '--disable-config-env',
    ],
    { logFile, cwd: options.root },
  );
  const address = `127.0.0.1:${port}`;
  try {
    const version = await waitFor(() => probeTemporal(address, 'default', 2_000), { timeoutMs: 60_000, intervalMs: 300, isAlive: () => !child.exited() });
    return {
      mode: 'private',
      url: address,
      listen: address,
      pid: child.pid,
      details: { version, namespace: 'default', log: logFile, db: dbFile, binary, metrics: `http://127.0.0.1:${metricsPort}/metrics` },
    };
  } catch (error) {
    throw new StackError(
      'START_FAILED',
      'temporal',
      `the Temporal dev server did not become ready: ${child.exited() ? `it exited with code ${child.exitCode()}` : describeError(error)}`,
      `See ${logFile}.`,
    );
  }
}
