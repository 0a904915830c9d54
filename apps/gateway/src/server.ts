import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter, type ApiContext, type Principal } from '@palisade/api';
import { authenticate, type PrismaClient } from '@palisade/event-store';
import type { HealthReport } from '@palisade/contracts';
import type { Logger } from 'pino';

export interface GatewayServerOptions {
  health: () => Promise<HealthReport>;
  log: Logger;
  maxBodyBytes: number;
  /** The event store; with it, bearer tokens are checked and the API procedures work. */
  db?: PrismaClient;
}

/** The caller behind "Authorization: Bearer pal_...", if the token is valid. */
async function principalOf(db: PrismaClient | undefined, header: string | undefined): Promise<Principal | undefined> {
  if (!db || !header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) return undefined;
  const who = await authenticate(db, match[1]!);
  return who && { actor: who.actor, role: who.role, namespaces: who.namespaces, tiers: who.tiers };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * The gateway's HTTP surface: /healthz (alive), /readyz (every dependency), /trpc/* (the API).
 * Every response carries an x-request-id, taken from the caller when well formed, so a log line
 * can be found from what a client saw.
 */
export function createGatewayServer(options: GatewayServerOptions): Server {
  const { log } = options;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: options.maxBodyBytes,
    createContext: async ({ req }): Promise<ApiContext> => {
      const principal = await principalOf(options.db, req.headers.authorization);
      return { requestId: String(req.headers['x-request-id']), health: options.health, ...(options.db ? { db: options.db } : {}), ...(principal ? { principal } : {}) };
    },
    onError: ({ error, path, req }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error, path, requestId: req.headers['x-request-id'] }, 'procedure failed');
    },
  });

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('finish', () => {
      // The path only: query strings of tRPC GETs carry inputs, which may be sensitive.
      log.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > options.maxBodyBytes) {
      sendJson(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body of ${declared} bytes exceeds the limit of ${options.maxBodyBytes} bytes` } });
      req.resume();
      return;
    }
    if (path === '/healthz' && req.method === 'GET') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/readyz' && req.method === 'GET') {
      options.health().then(
        (report) => sendJson(res, report.status === 'ok' ? 200 : 503, report),
        (error: unknown) => {
          log.error({ err: error, requestId }, 'readiness check failed');
          sendJson(res, 500, { error: { code: 'INTERNAL', message: 'readiness check failed' } });
        },
      );
      return;
    }
    if (path.startsWith('/trpc/')) {
      trpc(req, res);
      return;
    }
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${path}` } });
  });
}
