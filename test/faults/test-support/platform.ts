// A gateway process on services this test owns: a private PostgreSQL and a private nats-server it
// can stop, restart and sever, so faults never touch the shared test services other suites use.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, streams } from '@palisade/bus';
import { bootstrapAdminToken } from '@palisade/domain';
import { applyMigrations, createDbClient, ensureAppRole, EventKey, type DbClient } from '@palisade/event-store';
import { pickPort, startPrivateNats, startPrivatePostgres, stopPrivatePostgres, stopProcessGroup, type ServiceRecord } from '@palisade/stack';
import { ensureTestServices } from '@palisade/testing';
import { root } from '../../support/cli.js';

export interface Published {
  position: number;
  id: string;
}

export interface CallResult {
  status: number;
  body: unknown;
}

export interface FaultPlatform {
  url: string;
  databaseUrl: string;
  /** The services' NATS URL (with their credentials), for a worker. */
  natsUrl(): string;
  adminToken: string;
  /** Kills the gateway at once (SIGKILL), as a crash would; startGateway starts it again on the same port. */
  killGateway(): Promise<void>;
  startGateway(): Promise<void>;
  /** The test's own client of the private database, as its owner (reconnects after restarts). */
  database: DbClient;
  gatewayAlive(): boolean;
  gatewayLog(): string;
  /** POST /trpc/<procedure> with a token; never throws for HTTP errors (status 0: no answer). */
  call(procedure: string, input: unknown, token?: string): Promise<CallResult>;
  /** GET /trpc/<procedure> (a query). */
  query(procedure: string, input?: unknown, token?: string): Promise<CallResult>;
  readyz(token?: string): Promise<CallResult>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  /** Ends every other backend of the database: pools, LISTEN, locks. */
  terminateBackends(): Promise<number>;
  stopNats(): Promise<void>;
  startNats(): Promise<void>;
  /** A connection to the private NATS (made on first use, reconnecting). */
  nats(): Promise<NatsConnection>;
  /** Every message in the events stream, in stream order. */
  published(): Promise<Published[]>;
  /** Every event in the log, in position order. */
  events(): Promise<Published[]>;
  close(): Promise<void>;
}

export const POSITION_HEADER = 'Palisade-Position';

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, log?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `\n--- gateway log ---\n${log().slice(-4000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startFaultPlatform(name: string, env: Record<string, string> = {}): Promise<FaultPlatform> {
  const services = await ensureTestServices();
  const dir = mkdtempSync(join(tmpdir(), `palisade-${name}-`));
  let postgres: ServiceRecord = await startPrivatePostgres({ root: join(dir, 'postgres'), fast: true, log: () => undefined });
  const pgPort = Number(postgres.listen!.split(':')[1]);
  const natsRoot = join(dir, 'nats');
  let nats: ServiceRecord = await startPrivateNats({ root: natsRoot, log: () => undefined });
  const natsPort = Number(nats.listen!.split(':')[1]);
  // The owner migrates and grants; the gateway connects as the least-privileged application login.
  const adminUrl = postgres.url;
  await applyMigrations(adminUrl);
  const appPassword = randomBytes(18).toString('hex');
  await ensureAppRole(adminUrl, { user: 'palisade_gateway', password: appPassword });
  const app = new URL(adminUrl);
  app.username = 'palisade_gateway';
  app.password = appPassword;
  const databaseUrl = app.toString();
  const eventKey = randomBytes(32).toString('base64');
  // Keyed like the gateway, so what the test writes (the bootstrap token) is signed as the gateway's writes are.
  const database = createDbClient(adminUrl, { max: 4, eventKey: EventKey.fromText(eventKey) });
  const port = await pickPort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const spawnGateway = (): ChildProcess => {
    const child = spawn(process.execPath, [join(root, 'apps', 'gateway', 'dist', 'main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        NATS_URL: nats.url,
        // Agents join through it and get NATS credentials of their own, as on a real deployment.
        NATS_AUTH_FILE: nats.details['authFile']!,
        TEMPORAL_ADDRESS: services.temporalAddress,
        TEMPORAL_NAMESPACE: services.temporalNamespace,
        GATEWAY_PORT: String(port),
        GATEWAY_TOKEN_CACHE_SECONDS: '0',
        GATEWAY_ANCHOR_SECONDS: '1',
        PALISADE_EVENT_KEY: eventKey,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    return child;
  };
  let gateway = spawnGateway();
  const alive = () => gateway.exitCode === null && gateway.signalCode === null;
  const healthy = () =>
    until(
      'the gateway to answer /healthz',
      async () =>
        alive() &&
        (await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      60_000,
      () => log,
    );
  await healthy();
  const adminToken = (await bootstrapAdminToken(database))!.token;

  let nc: NatsConnection | undefined;
  const request = async (path: string, init: RequestInit): Promise<CallResult> => {
    try {
      const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(40_000) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.status, body };
    } catch (error) {
      return { status: 0, body: String(error) };
    }
  };
  const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

  return {
    url,
    databaseUrl,
    natsUrl: () => nats.url,
    adminToken,
    killGateway: async () => {
      gateway.kill('SIGKILL');
      await new Promise((r) => (alive() ? gateway.once('exit', r) : r(undefined)));
    },
    startGateway: async () => {
      gateway = spawnGateway();
      await healthy();
    },
    database,
    gatewayAlive: alive,
    gatewayLog: () => log,
    call: (procedure, input, token = adminToken) => request(`/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(token) }, body: JSON.stringify(input) }),
    query: (procedure, input, token = adminToken) => request(`/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers: auth(token) }),
    readyz: (token) => request('/readyz', { headers: auth(token) }),
    stopPostgres: () => stopPrivatePostgres(postgres),
    startPostgres: async () => {
      postgres = await startPrivatePostgres({ root: join(dir, 'postgres'), fast: true, preferredPort: pgPort, log: () => undefined });
    },
    terminateBackends: async () => {
      const rows = await database.query<{ pid: number }[]>`
        SELECT pg_terminate_backend(pid) AS ok, pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;
      return rows.length;
    },
    stopNats: async () => {
      await stopProcessGroup(nats.pid!, 5_000);
    },
    startNats: async () => {
      nats = await startPrivateNats({ root: natsRoot, preferredPort: natsPort, log: () => undefined });
    },
    nats: async () => (nc ??= await connectBus({ url: nats.url, name: `${name}-test` })),
    published: async () => {
      nc ??= await connectBus({ url: nats.url, name: `${name}-test` });
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(streams.events.name);
      const out: Published[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const msg = await jsm.streams.getMessage(streams.events.name, { seq }).catch(() => null);
        if (!msg) continue;
        out.push({ position: Number(msg.header.get(POSITION_HEADER)), id: msg.header.get('Nats-Msg-Id') });
      }
      return out;
    },
    events: async () => {
      const rows = await database.query<{ position: bigint; id: string }[]>`SELECT position, id::text AS id FROM events ORDER BY position`;
      return rows.map((r) => ({ position: Number(r.position), id: r.id }));
    },
    close: async () => {
      if (alive()) {
        gateway.kill('SIGTERM');
        await new Promise((r) => (alive() ? gateway.once('exit', r) : r(undefined)));
      }
      await nc?.close().catch(() => undefined);
      await database.close().catch(() => undefined);
      await stopProcessGroup(nats.pid!, 5_000).catch(() => undefined);
      await stopPrivatePostgres(postgres).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
