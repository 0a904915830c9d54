import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { aptInstall } from '../apt.js';
import { describeError, StackError } from '../errors.js';
import { findExecutable, startDetached } from '../process.js';
import { pickPort } from '../ports.js';
import { parseNatsUrl, redactUrl } from '@palisade/contracts';
import { createNatsAuth, NatsAuth, operatorConfig } from '@palisade/nats-auth';
import type { ServiceRecord } from '../state.js';
import { waitFor, withTimeout } from '../wait.js';

/** Connects, asks JetStream for the account's limits, and disconnects. Proves JetStream is on. */
export async function probeNats(url: string, timeoutMs = 5_000): Promise<string> {
  const nc = await withTimeout(connect({ ...parseNatsUrl(url), timeout: timeoutMs, reconnect: false, name: 'palisade-probe' }), timeoutMs + 500, `no answer within ${timeoutMs} ms`);
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    await jsm.getAccountInfo();
    return nc.info?.version ?? 'unknown';
  } finally {
    await nc.close().catch(() => undefined);
  }
}

export async function checkExternalNats(url: string): Promise<ServiceRecord> {
  const first = url.split(',')[0]?.trim() ?? url;
  const hostPort = first.replace(/^[a-z]+:\/\//i, '').replace(/^[^@]*@/, '');
  try {
    const version = await probeNats(url);
    return { mode: 'external', url, listen: hostPort, details: { version } };
  } catch (error) {
    throw new StackError(
      'UNREACHABLE',
      'nats',
      `NATS JetStream at ${redactUrl(url)} (NATS_URL) is unreachable: ${describeError(error)}`,
      'Fix NATS_URL (JetStream must be enabled), or unset it to let palisade start its own nats-server.',
    );
  }
}

export interface PrivateNatsOptions {
  root: string;
  preferredPort?: number;
  log: (line: string) => void;
}

function findNatsServer(): string | undefined {
  return findExecutable('nats-server', ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin']);
}

/**
 * The deployment's NATS keys and JWTs (operator, accounts, the services' bearer JWT), made once
 * per stack home and kept beside the server's config, readable by its owner only. The gateway
 * reads the same file (NATS_AUTH_FILE) to issue agents their own credentials.
 */
async function natsAuth(root: string): Promise<{ auth: NatsAuth; file: string }> {
  const file = join(root, 'auth.json');
  if (existsSync(file)) {
    const parsed = NatsAuth.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return { auth: parsed.data, file };
  }
  const auth = await createNatsAuth();
  writeFileSync(file, JSON.stringify(auth, null, 2) + '\n', { mode: 0o600 });
  return { auth, file };
}

/**
 * Starts the stack's nats-server. Ports are picked free and then bound by nats-server a moment
 * later, so another process (or the monitor port, picked the same way) can take one in between:
 * a start that fails on "address already in use" is tried again, on new ports unless a port was
 * asked for (then on the same one, once its previous holder has let go).
 */
export async function startPrivateNats(options: PrivateNatsOptions): Promise<ServiceRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const inUse = error instanceof StackError && /address already in use/.test(error.message);
      if (!inUse || attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function startOnce(options: PrivateNatsOptions): Promise<ServiceRecord> {
  let binary = findNatsServer();
  if (!binary) {
    await aptInstall('nats-server', 'nats', options.log);
    binary = findNatsServer();
    if (!binary) throw new StackError('MISSING_BINARY', 'nats', 'nats-server not found after installing it', 'Install nats-server, or set NATS_URL.');
  }
  const port = await pickPort(options.preferredPort);
  let monitorPort = await pickPort(options.preferredPort ? options.preferredPort + 4000 : undefined);
  while (monitorPort === port) monitorPort = await pickPort();
  const storeDir = join(options.root, 'jetstream');
  mkdirSync(storeDir, { recursive: true });
  const configFile = join(options.root, 'nats.conf');
  // No anonymous clients, and no shared agent user: operator mode, where every client is a user
  // JWT of the platform's account and nats-server itself enforces each agent's permissions.
  const { auth, file: authFile } = await natsAuth(options.root);
  writeFileSync(
    configFile,
    [
      ...operatorConfig(auth, join(options.root, 'accounts')),
      'server_name: palisade_local',
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      // Large enough for release snapshots and flow-log batches.
      'max_payload: 8MB',
      'jetstream {',
      `  store_dir: ${JSON.stringify(storeDir)}`,
      '  max_memory_store: 256MB',
      '  max_file_store: 4GB',
      '}',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const logFile = join(options.root, 'nats.log');
  const child = startDetached(binary, ['-c', configFile], { logFile, cwd: options.root });
  const url = `nats://${auth.serviceJwt}@127.0.0.1:${port}`;
  try {
    const version = await waitFor(() => probeNats(url, 2_000), { timeoutMs: 30_000, isAlive: () => !child.exited() });
    return {
      mode: 'private',
      url,
      listen: `127.0.0.1:${port}`,
      pid: child.pid,
      details: { version, log: logFile, monitor: `http://127.0.0.1:${monitorPort}`, storeDir, auth: 'operator', authFile },
    };
  } catch (error) {
    const why = child.exited() ? `it exited with code ${child.exitCode()}${/address already in use/.test(tail(logFile)) ? ' (address already in use)' : ''}` : describeError(error);
    throw new StackError('START_FAILED', 'nats', `nats-server did not become ready: ${why}`, `See ${logFile}.`);
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2_000);
  } catch {
    return '';
  }
}
