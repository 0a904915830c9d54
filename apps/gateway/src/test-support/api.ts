// A gateway on a fresh test database (real PostgreSQL), for tests of the API over HTTP.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import { pino } from 'pino';
import type { AppRouter } from '@palisade/api';
import type { Role } from '@palisade/contracts';
import { createToken } from '@palisade/domain';
import { applyMigrations, countEvents, createDbClient, startHorizonNotifier, type DbClient, type HorizonNotifier } from '@palisade/event-store';
import { createTestDatabase, type TestDatabase } from '@palisade/testing';
import { createGatewayServer, type GatewayServerOptions } from '../server.js';

export interface ApiHarness {
  url: string;
  database: DbClient;
  /** The gateway's horizon notifier (its first read runs in the background from the start). */
  horizon: HorizonNotifier;
  /** A new token for a role (developers: bound to `namespaces`). */
  token(role: Role, namespaces?: string[], tiers?: string[]): Promise<string>;
  client(token?: string, batch?: boolean): ReturnType<typeof createTRPCClient<AppRouter>>;
  /** Events in the log: what "nothing was written" is checked against. */
  events(): Promise<number>;
  close(): Promise<void>;
}

export async function startApi(prefix: string, options: Partial<GatewayServerOptions> = {}): Promise<ApiHarness> {
  const db: TestDatabase = await createTestDatabase(prefix);
  await applyMigrations(db.url);
  const database = createDbClient(db.url, { max: 4 });
  const horizon = startHorizonNotifier(database);
  const server: Server = createGatewayServer({
    health: async () => ({ status: 'ok', service: 'gateway', version: 't', startedAt: new Date(0).toISOString(), checks: [] }),
    log: pino({ level: 'silent' }),
    maxBodyBytes: 1 << 20,
    db: database,
    horizon,
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let n = 0;
  return {
    url,
    database,
    horizon,
    token: async (role, namespaces, tiers) => (await createToken(database, { name: `${role}-${++n}`, role, ...(namespaces ? { namespaces } : {}), ...(tiers ? { tiers } : {}) }, 'test')).token,
    client: (token, batch = true) => {
      const headers = token ? { authorization: `Bearer ${token}` } : {};
      return createTRPCClient<AppRouter>({ links: [batch ? httpBatchLink({ url: `${url}/trpc`, headers }) : httpLink({ url: `${url}/trpc`, headers })] });
    },
    events: () => countEvents(database),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await horizon.close();
      await database.close();
      await db.drop();
    },
  };
}
