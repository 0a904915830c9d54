// The gateway's built process on a test database of its own and a nats-server of its own (its
// streams belong to its database), with Temporal from the shared test services: as a user runs it.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { applyMigrations, createDbClient, EventKey, type DbClient } from '@palisade/event-store';
import { pickPort } from '@palisade/stack';
import { createTestDatabase, ensureTestServices } from '@palisade/testing';
import { root } from '../support/cli.js';
import { privateNats } from '../support/nats.js';

export interface TestGateway {
  url: string;
  natsUrl: string;
  /** A client of its database, keyed like the gateway, so what a test writes (a bootstrap token) is signed as the gateway's writes are. */
  database: DbClient;
  /** Everything the gateway printed so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function startTestGateway(
  name: string,
  options: { logLevel?: string; env?: Record<string, string>; /** NATS servers the test runs itself, instead of a private one. */ nats?: { url: string; authFile: string } } = {},
): Promise<TestGateway> {
  const services = await ensureTestServices();
  const nats = options.nats ? { ...options.nats, stop: async () => undefined } : await privateNats(name);
  const db = await createTestDatabase(`e2e_${name.replace(/-/g, '_')}`);
  await applyMigrations(db.url);
  const eventKey = randomBytes(32).toString('base64');
  const database = createDbClient(db.url, { max: 2, eventKey: EventKey.fromText(eventKey) });
  const port = await pickPort();
  let log = '';
  const gateway: ChildProcess = spawn(process.execPath, [join(root, 'apps', 'gateway', 'dist', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_AUTH_FILE: nats.authFile,
      TEMPORAL_ADDRESS: services.temporalAddress,
      TEMPORAL_NAMESPACE: services.temporalNamespace,
      GATEWAY_PORT: String(port),
      PALISADE_EVENT_KEY: eventKey,
      LOG_LEVEL: options.logLevel ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  gateway.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 150) throw new Error(`the gateway did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    natsUrl: nats.url,
    database,
    log: () => log,
    stop: async () => {
      gateway.kill('SIGTERM');
      await new Promise((r) => (gateway.exitCode !== null ? r(undefined) : gateway.once('exit', r)));
      await database.close();
      await db.drop();
      await nats.stop();
    },
  };
}
