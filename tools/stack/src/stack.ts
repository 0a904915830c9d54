import { rmSync } from 'node:fs';
import { describeError, StackError } from './errors.js';
import { stackPaths } from './paths.js';
import { isAlive, startDetached, stopProcessGroup } from './process.js';
import { checkExternalNats, probeNats, startPrivateNats } from './services/nats.js';
import { checkExternalPostgres, probePostgres, startPrivatePostgres, stopPrivatePostgres } from './services/postgres.js';
import { checkExternalTemporal, probeTemporal, startPrivateTemporal } from './services/temporal.js';
import { acquireLock, readState, writeState, type ProcessRecord, type ServiceRecord, type StackState } from './state.js';
import { waitFor } from './wait.js';
import { join } from 'node:path';

export type ServiceName = 'postgres' | 'nats' | 'temporal';
export const SERVICE_NAMES: readonly ServiceName[] = ['postgres', 'nats', 'temporal'];

export interface StackOptions {
  /** The stack's home directory: state, logs and private service data live here. */
  home: string;
  /** dev: stable preferred ports, durable PostgreSQL. test: any free port, PostgreSQL without fsync. */
  profile: 'dev' | 'test';
  /** Where DATABASE_URL, NATS_URL, TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE are read. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

const DEV_PORTS = { postgres: 15432, nats: 14222, temporal: 17233 } as const;

/** The environment a process needs to reach the stack's services. */
export function serviceEnv(state: StackState): Record<string, string> {
  return {
    DATABASE_URL: state.services.postgres.url,
    NATS_URL: state.services.nats.url,
    TEMPORAL_ADDRESS: state.services.temporal.url,
    TEMPORAL_NAMESPACE: state.services.temporal.details['namespace'] ?? 'default',
    ...(state.services.nats.details['authFile'] ? { NATS_AUTH_FILE: state.services.nats.details['authFile'] } : {}),
  };
}

/**
 * Brings up PostgreSQL, NATS JetStream and Temporal: each from its environment variable when set
 * (checked first, so a wrong address fails in seconds), otherwise a private server under the stack
 * home, reusing one that an earlier run left running.
 */
export async function upServices(options: StackOptions): Promise<StackState> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const paths = stackPaths(options.home);
  const release = await acquireLock(paths.lock, options.profile === 'test' ? 10 * 60_000 : 5_000);
  try {
    const previous = readState(paths.state);
    const namespace = env['TEMPORAL_NAMESPACE'] || 'default';
    const external = {
      postgres: env['DATABASE_URL'] ? () => checkExternalPostgres(env['DATABASE_URL']!) : undefined,
      nats: env['NATS_URL'] ? () => checkExternalNats(env['NATS_URL']!) : undefined,
      temporal: env['TEMPORAL_ADDRESS'] ? () => checkExternalTemporal(env['TEMPORAL_ADDRESS']!, namespace) : undefined,
    };
    const externalResults = await Promise.allSettled(SERVICE_NAMES.map((name) => external[name]?.()));
    const firstFailure = externalResults.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstFailure) throw firstFailure.reason;

    const dev = options.profile === 'dev';
    const starters: Record<ServiceName, () => Promise<ServiceRecord>> = {
      postgres: () => startPrivatePostgres({ root: paths.postgres, fast: !dev, log, ...(dev ? { preferredPort: DEV_PORTS.postgres } : {}) }),
      nats: () => startPrivateNats({ root: paths.nats, log, ...(dev ? { preferredPort: DEV_PORTS.nats } : {}) }),
      temporal: () => startPrivateTemporal({ root: paths.temporal, log, ...(dev ? { preferredPort: DEV_PORTS.temporal } : {}) }),
    };
    const started: ServiceName[] = [];
    const results = await Promise.allSettled(
      SERVICE_NAMES.map(async (name, index) => {
        const fromEnv = externalResults[index];
        if (fromEnv?.status === 'fulfilled' && fromEnv.value) return fromEnv.value;
        const reused = await reusable(name, previous?.services[name]);
        if (reused) return reused;
        const record = await starters[name]();
        started.push(name);
        return record;
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Leave nothing half-started behind.
      await Promise.all(results.map((r, i) => (r.status === 'fulfilled' && started.includes(SERVICE_NAMES[i]!) ? stopService(r.value) : undefined)));
      throw failed.reason;
    }
    const [postgres, nats, temporal] = results.map((r) => (r as PromiseFulfilledResult<ServiceRecord>).value) as [ServiceRecord, ServiceRecord, ServiceRecord];
    const processes = Object.fromEntries(Object.entries(previous?.processes ?? {}).filter(([, p]) => isAlive(p.pid)));
    const state: StackState = { version: 1, startedAt: new Date().toISOString(), services: { postgres, nats, temporal }, processes };
    writeState(paths.state, state);
    return state;
  } finally {
    release();
  }
}

/** A private service an earlier run started is reused when its process is alive and answers. */
async function reusable(name: ServiceName, record: ServiceRecord | undefined): Promise<ServiceRecord | undefined> {
  if (!record || record.mode !== 'private' || !record.pid || !isAlive(record.pid)) return undefined;
  // A NATS started before operator mode (agents' own credentials) is restarted in it.
  if (name === 'nats' && record.details['auth'] !== 'operator') {
    await stopService(record);
    return undefined;
  }
  try {
    await probe(name, record);
    return record;
  } catch {
    await stopService(record);
    return undefined;
  }
}

export async function probe(name: ServiceName, record: ServiceRecord, timeoutMs = 5_000): Promise<string> {
  switch (name) {
    case 'postgres':
      return probePostgres(record.url, timeoutMs);
    case 'nats':
      return probeNats(record.url, timeoutMs);
    case 'temporal':
      return probeTemporal(record.url, record.details['namespace'] ?? 'default', timeoutMs);
  }
}

async function stopService(record: ServiceRecord): Promise<void> {
  if (record.mode !== 'private') return;
  if (record.details['pgCtl']) {
    await stopPrivatePostgres(record);
  } else if (record.pid) {
    await stopProcessGroup(record.pid, 15_000);
  }
}

/** The process `palisade up --detach` leaves to keep the others running; stopped before them. */
export const SUPERVISOR = 'supervisor';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Where it answers once up; `ready` polls it. */
  url?: string;
  /** Resolves once the process is ready; rejects with the reason it is not. */
  ready: () => Promise<unknown>;
  readyTimeoutMs?: number;
}

/** Starts one platform process (gateway, worker, console) detached, and records it in the state file. */
export async function startProcess(home: string, spec: ProcessSpec): Promise<ProcessRecord> {
  const paths = stackPaths(home);
  const log = join(paths.logs, `${spec.name}.log`);
  const child = startDetached(spec.command, spec.args, { logFile: log, env: spec.env, ...(spec.cwd ? { cwd: spec.cwd } : {}) });
  const record: ProcessRecord = { pid: child.pid, log, ...(spec.url ? { url: spec.url } : {}) };
  await updateState(home, (state) => ({ ...state, processes: { ...state.processes, [spec.name]: record } }));
  try {
    await waitFor(spec.ready, { timeoutMs: spec.readyTimeoutMs ?? 60_000, intervalMs: 250, isAlive: () => !child.exited() });
  } catch (error) {
    const why = child.exited() ? `it exited with code ${child.exitCode()}` : describeError(error);
    throw new StackError('NOT_READY', componentOf(spec.name), `${spec.name} did not become ready: ${why}`, `See ${log}.`);
  }
  return record;
}

function componentOf(name: string): 'gateway' | 'worker' | 'console' | 'stack' {
  return name === 'gateway' || name === 'worker' || name === 'console' ? name : 'stack';
}

async function updateState(home: string, change: (state: StackState) => StackState): Promise<void> {
  const paths = stackPaths(home);
  const release = await acquireLock(paths.lock, 30_000);
  try {
    const state = readState(paths.state);
    if (!state) throw new StackError('BAD_CONFIG', 'stack', `no stack state in ${paths.state}`, 'Start the services first.');
    writeState(paths.state, change(state));
  } finally {
    release();
  }
}

/**
 * Stops the platform processes a state file names (not the services), e.g. a worker left running
 * after its gateway died, so that `palisade up` never starts a second copy beside it.
 */
export async function stopProcesses(home: string): Promise<string[]> {
  const paths = stackPaths(home);
  const release = await acquireLock(paths.lock, 60_000);
  try {
    const state = readState(paths.state);
    if (!state) return [];
    const stopped: string[] = [];
    // The supervisor first, or it would start again what is being stopped.
    const entries = Object.entries(state.processes).sort(([a], [b]) => Number(b === SUPERVISOR) - Number(a === SUPERVISOR));
    for (const [name, record] of entries) {
      if (!isAlive(record.pid)) continue;
      await stopProcessGroup(record.pid, 15_000);
      stopped.push(name);
    }
    writeState(paths.state, { ...state, processes: {} });
    return stopped;
  } finally {
    release();
  }
}

export interface DownReport {
  stopped: string[];
  left: string[];
}

/**
 * Stops every process and private service the state file names, platform processes first,
 * then Temporal, NATS and PostgreSQL, and removes the state file. External services are left alone.
 */
export async function down(home: string): Promise<DownReport> {
  const paths = stackPaths(home);
  const release = await acquireLock(paths.lock, 60_000);
  try {
    const state = readState(paths.state);
    if (!state) return { stopped: [], left: [] };
    const stopped: string[] = [];
    const left: string[] = [];
    // The supervisor first, or it would start again what is being stopped.
    const { [SUPERVISOR]: supervisor, ...others } = state.processes;
    if (supervisor && isAlive(supervisor.pid)) {
      await stopProcessGroup(supervisor.pid, 15_000);
      (isAlive(supervisor.pid) ? left : stopped).push(SUPERVISOR);
    }
    await Promise.all(
      Object.entries(others).map(async ([name, record]) => {
        if (!isAlive(record.pid)) return;
        await stopProcessGroup(record.pid, 15_000);
        (isAlive(record.pid) ? left : stopped).push(name);
      }),
    );
    for (const name of [...SERVICE_NAMES].reverse()) {
      const record = state.services[name];
      if (record.mode !== 'private' || !record.pid || !isAlive(record.pid)) continue;
      await stopService(record);
      (isAlive(record.pid) ? left : stopped).push(name);
    }
    if (left.length === 0) rmSync(paths.state, { force: true });
    return { stopped, left };
  } finally {
    release();
  }
}

export interface ComponentStatus {
  name: string;
  kind: 'service' | 'process';
  mode?: 'external' | 'private';
  listen?: string;
  pid?: number;
  ok: boolean;
  detail: string;
}

/** Live status of everything in the state file: each service probed, each process checked. */
export async function status(home: string): Promise<{ state: StackState | undefined; components: ComponentStatus[] }> {
  const state = readState(stackPaths(home).state);
  if (!state) return { state, components: [] };
  const services = await Promise.all(
    SERVICE_NAMES.map(async (name): Promise<ComponentStatus> => {
      const record = state.services[name];
      const base = { name, kind: 'service' as const, mode: record.mode, listen: record.listen, ...(record.pid ? { pid: record.pid } : {}) };
      try {
        return { ...base, ok: true, detail: `up (version ${await probe(name, record, 3_000)})` };
      } catch (error) {
        return { ...base, ok: false, detail: describeError(error) };
      }
    }),
  );
  const processes = Object.entries(state.processes).map(([name, record]): ComponentStatus => ({
    name,
    kind: 'process',
    pid: record.pid,
    ...(record.url ? { listen: record.url } : {}),
    ok: isAlive(record.pid),
    detail: isAlive(record.pid) ? 'running' : `not running (see ${record.log})`,
  }));
  return { state, components: [...services, ...processes] };
}
