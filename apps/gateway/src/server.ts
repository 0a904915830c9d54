import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter, type AgentIssuerPort, type ApiContext, type Principal, type RolloutEnginePort } from '@palisade/api';
import { authenticate, groupCommitStats } from '@palisade/domain';
import type { ChainAnchor, DbClient, HorizonNotifier } from '@palisade/event-store';
import { publicHealth, type AgentStatus, type HealthReport, type NodeInventory } from '@palisade/contracts';
import type { Logger } from 'pino';
import { activeTraceparent, withContext } from '@palisade/telemetry';
import { bodyLimit, readBody } from './body-limit.js';
import { createMetrics, type Gauge, type GatewayMetrics } from './metrics.js';
import { createRateLimiter } from './rate-limit.js';
import { traceRequest } from './request-span.js';

export interface GatewayServerOptions {
  health: () => Promise<HealthReport>;
  log: Logger;
  maxBodyBytes: number;
  /** The event store; with it, bearer tokens are checked and the API procedures work. */
  db?: DbClient;
  /** The process's horizon notifier: live subscriptions and simulations read through it. */
  horizon?: HorizonNotifier;
  /** Per-token request rate (default: 200/s, bursts of 400). */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * Failed authentications allowed per client address and per token id (default: bursts of 20,
   * then 1/s). Past that a request with credentials is answered 429 before any database query.
   */
  authFailures?: { perSecond: number; burst: number };
  agents?: () => AgentStatus[];
  /** Issues joining agents their NATS credentials (agents.join) and pushes revocations. */
  agentIssuer?: AgentIssuerPort;
  rollouts?: RolloutEnginePort;
  inventory?: (cluster: string) => Promise<NodeInventory[]>;
  /** Joins each address may attempt per second on average, and at once (a join is unauthenticated). */
  joins?: { perSecond: number; burst: number };
  metrics?: GatewayMetrics;
  /** Requests (other than subscriptions) unanswered after this are answered 503 (default 30 s). */
  requestTimeoutMs?: number;
  /**
   * How long a checked token is trusted without asking PostgreSQL again (default 5 s; 0: every
   * request). A revocation through this gateway takes effect at once; through another, within this.
   */
  tokenCacheMs?: number;
  /** The newest chain anchor on JetStream (audit.verify checks the log against it). */
  anchor?: () => Promise<ChainAnchor | undefined>;
  /** More gauges for /metrics (the background loops' lag, the relay's state), read when it is asked for. */
  gauges?: () => Record<string, Gauge>;
}

/** Calls one batched request may carry (tRPC's ?batch=1 joins procedure names with commas). */
const MAX_BATCH = 16;
/** What a call costs against its caller's rate limit when it is more than one request's work. */
const CALL_COST: Record<string, number> = { 'audit.verify': 50, 'audit.asOf': 5, 'audit.diff': 5, 'policy.preview': 5, 'releases.create': 5, 'releases.diff': 5 };

/** The shape of an API token, whose id (12 hex digits) is not secret. */
const TOKEN_ID = /^pal_[0-9a-f]{12}_/;

/** Checked tokens, by SHA-256 of the token (the secret itself is not kept), until they must be checked again. */
function tokenCache(ttlMs: number, max = 10_000) {
  const entries = new Map<string, { principal: Principal; until: number }>();
  const keyOf = (token: string) => createHash('sha256').update(token).digest('hex');
  return {
    get(token: string): Principal | undefined {
      if (ttlMs <= 0) return undefined;
      const key = keyOf(token);
      const hit = entries.get(key);
      if (hit && hit.until > Date.now()) return hit.principal;
      if (hit) entries.delete(key);
      return undefined;
    },
    set(token: string, principal: Principal, expiresAt: Date | null): void {
      if (ttlMs <= 0) return;
      if (entries.size >= max) entries.clear();
      entries.set(keyOf(token), { principal, until: Math.min(Date.now() + ttlMs, expiresAt?.getTime() ?? Infinity) });
    },
    clear: () => entries.clear(),
  };
}

/** The horizon notifier's state: how far ordered readers may read, how far behind that is, and what it costs. */
function horizonGauges(horizon: HorizonNotifier): Record<string, Gauge> {
  const s = horizon.stats();
  return {
    palisade_horizon_position: { help: 'The committed horizon: every log position up to it is final.', value: s.horizon },
    palisade_horizon_behind_positions: { help: 'Positions taken but not known to be final at the last horizon read.', value: s.behind },
    palisade_horizon_last_read_age_seconds: { help: 'Seconds since the horizon was last read.', value: s.sinceLastReadMs < 0 ? -1 : s.sinceLastReadMs / 1000 },
    palisade_horizon_reads_total: { help: 'Horizon reads (one pg_locks query each) sent by this process.', value: s.reads, type: 'counter' },
    palisade_horizon_notifications_total: { help: 'Append notifications heard on the LISTEN connection.', value: s.notifications, type: 'counter' },
    palisade_horizon_waiting_readers: { help: 'Readers (subscriptions, background loops) waiting for the horizon to move.', value: s.waiting },
    palisade_horizon_listening: { help: '1 while the LISTEN connection is up.', value: s.listening ? 1 : 0 },
    palisade_horizon_reconnects_total: { help: 'Times the LISTEN connection was lost and made again.', value: s.reconnects, type: 'counter' },
  };
}

/** Policy writes commit in groups: how many, and how far behind the queue of writes waiting for one is. */
function writeGroupGauges(db: DbClient): Record<string, Gauge> {
  const s = groupCommitStats(db);
  return {
    palisade_policy_writes_total: { help: 'Policy writes (applies and deletes) this process committed or refused.', value: s.writes, type: 'counter' },
    palisade_policy_write_groups_total: { help: 'Transactions those writes were committed in (one per group).', value: s.groups, type: 'counter' },
    palisade_policy_writes_queued: { help: 'Policy writes waiting for the next group.', value: s.queued },
    palisade_policy_write_queue_lag_seconds: { help: 'How long the oldest waiting policy write has waited.', value: s.oldestWaitMs / 1000 },
  };
}

/** Procedure names ("resources.put"), for bounded metric labels: anything else is "other". */
const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

function routeOf(path: string): string {
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return path;
  if (!path.startsWith('/trpc/')) return 'other';
  // A batch ("a.b,c.d") counts under its procedures joined; unknown names collapse to "other".
  const names = decodeURIComponent(path.slice('/trpc/'.length)).split(',');
  return names.every((n) => PROCEDURES.has(n)) && names.length <= 4 ? `/trpc/${names.join(',')}` : '/trpc/other';
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * The gateway's HTTP surface: /healthz (alive) and /readyz (every dependency: up or down for all,
 * details for token holders);
 * /metrics (Prometheus) and /trpc/* (the API), for holders of a valid API token. Every response
 * carries an x-request-id, taken from the caller when well formed, so a log line can be found
 * from what a client saw.
 */
export function createGatewayServer(options: GatewayServerOptions): Server {
  const { log } = options;
  const metrics = options.metrics ?? createMetrics();
  const limiter = createRateLimiter(options.rateLimit?.perSecond ?? 200, options.rateLimit?.burst ?? 400);
  const principals = new WeakMap<IncomingMessage, Principal>();
  const checked = tokenCache(options.tokenCacheMs ?? 5_000);
  const failures = createRateLimiter(options.authFailures?.perSecond ?? 1, options.authFailures?.burst ?? 20);
  // A join is authenticated by its join token only: every attempt costs its address, good or bad.
  const joins = createRateLimiter(options.joins?.perSecond ?? 20, options.joins?.burst ?? 1_000);

  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: options.maxBodyBytes,
    // Queries may come as POST (the console sends them so): an impact preview's input outgrows a URL.
    allowMethodOverride: true,
    createContext: ({ req }): ApiContext => {
      const principal = principals.get(req);
      // The request's span (request-span.ts) is active here when tracing is on.
      const trace = activeTraceparent();
      return {
        requestId: String(req.headers['x-request-id']),
        health: options.health,
        tokensChanged: checked.clear,
        ...(options.db ? { db: options.db } : {}),
        ...(options.horizon ? { horizon: options.horizon } : {}),
        ...(principal ? { principal } : {}),
        ...(options.agents ? { agents: options.agents } : {}),
        ...(options.agentIssuer ? { agentIssuer: options.agentIssuer } : {}),
        ...(options.rollouts ? { rollouts: options.rollouts } : {}),
        ...(options.inventory ? { inventory: options.inventory } : {}),
        ...(options.anchor ? { anchor: options.anchor } : {}),
        ...(trace ? { trace } : {}),
      };
    },
    onError: ({ error, path, req }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error, path, requestId: req.headers['x-request-id'] }, 'procedure failed');
    },
  });

  /**
   * The caller behind "Authorization: Bearer pal_...", if the token is valid; 'throttled' when its
   * address or token id failed too often lately (then nothing is asked of the database).
   */
  const principalOf = async (header: string | undefined, address: string): Promise<Principal | 'throttled' | undefined> => {
    if (!options.db || !header) return undefined;
    const match = /^Bearer\s+(\S{1,200})$/i.exec(header);
    const token = match?.[1];
    const cached = token === undefined ? undefined : checked.get(token);
    if (cached) return cached;
    // A guessed secret costs the guesser, not the database: per address, and per token id guessed at.
    const keys = [`address:${address}`, ...(token && TOKEN_ID.test(token) ? [`token:${token.slice(4, 16)}`] : [])];
    if (keys.some((k) => !failures.peek(k).allowed)) return 'throttled';
    const who = token === undefined ? undefined : await authenticate(options.db, token);
    if (!who || token === undefined) {
      for (const k of keys) failures.take(k);
      return undefined;
    }
    const principal = { actor: who.actor, role: who.role, namespaces: who.namespaces, tiers: who.tiers };
    checked.set(token, principal, who.expiresAt);
    return principal;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string, path: string): Promise<void> => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const limit = bodyLimit(path, options.maxBodyBytes);
    if (declared > limit.bytes) {
      metrics.refused('too_large');
      sendJson(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body of ${declared} bytes exceeds the limit of ${limit.bytes} bytes${limit.why}` } });
      req.resume();
      return;
    }
    if (path === '/healthz' && req.method === 'GET') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz' && req.method === 'GET') {
      try {
        // Up or down for anyone (a load balancer's probe); where and which versions, for a token holder.
        // A token that cannot be checked (the database is down) sees what anyone sees.
        const who = req.headers.authorization ? await principalOf(req.headers.authorization, req.socket.remoteAddress ?? 'unknown').catch(() => undefined) : undefined;
        const report = await options.health();
        return sendJson(res, report.status === 'ok' ? 200 : 503, who && who !== 'throttled' ? report : publicHealth(report));
      } catch (error) {
        log.error({ err: error, requestId }, 'readiness check failed');
        return sendJson(res, 500, { error: { code: 'INTERNAL', message: 'readiness check failed' } });
      }
    }
    if (path !== '/metrics' && !path.startsWith('/trpc/')) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${path}` } });

    const address = req.socket.remoteAddress ?? 'unknown';
    if (path === '/trpc/agents.join') {
      const decision = joins.take(`join:${address}`);
      if (!decision.allowed) {
        metrics.refused('rate_limited');
        req.resume();
        return sendJson(
          res,
          429,
          { error: { code: 'TOO_MANY_REQUESTS', message: `too many joins from ${address}; retry in ${decision.retryAfterSeconds} s` } },
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
      }
    }
    let principal: Awaited<ReturnType<typeof principalOf>>;
    try {
      principal = await principalOf(req.headers.authorization, address);
    } catch (error) {
      // PostgreSQL is away (restarting): say so and when to retry, rather than a bare 500.
      log.warn({ err: error, requestId }, 'cannot check a token');
      req.resume();
      return sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'cannot check the API token now: the database is unavailable; retry shortly', requestId } }, { 'retry-after': '2' });
    }
    if (principal === 'throttled') {
      metrics.refused('auth_throttled');
      req.resume();
      return sendJson(res, 429, { error: { code: 'TOO_MANY_REQUESTS', message: `too many failed authentications from ${address} or for this token; retry later` } }, { 'retry-after': '1' });
    }
    if (principal) {
      const calls = path.startsWith('/trpc/') ? path.slice('/trpc/'.length).split(',') : [];
      if (calls.length > MAX_BATCH) {
        req.resume();
        return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: `a batch takes at most ${MAX_BATCH} calls; this one has ${calls.length}` } });
      }
      // Every call of a batch is charged, the expensive ones more: a batch is not one request.
      const decision = limiter.take(
        principal.actor,
        undefined,
        Math.max(
          1,
          calls.reduce((sum, call) => sum + (CALL_COST[call] ?? 1), 0),
        ),
      );
      if (!decision.allowed) {
        metrics.refused('rate_limited');
        req.resume();
        return sendJson(
          res,
          429,
          { error: { code: 'TOO_MANY_REQUESTS', message: `${principal.actor} is over its rate limit; retry in ${decision.retryAfterSeconds} s` } },
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
      }
      principals.set(req, principal);
    } else if (req.headers.authorization) {
      metrics.refused('unauthenticated');
    }
    if (path === '/metrics') {
      if (!principal) return sendJson(res, 401, { error: { code: 'UNAUTHORIZED', message: 'a valid API token is required: send it as "Authorization: Bearer pal_..."' } });
      const agents = options.agents?.() ?? [];
      const text = metrics.render({
        palisade_agents_known: { help: 'Agents the gateway has heard from.', value: agents.length },
        palisade_agents_alive: { help: 'Agents heard from recently.', value: agents.filter((a) => a.alive).length },
        ...(options.horizon ? horizonGauges(options.horizon) : {}),
        ...(options.db ? writeGroupGauges(options.db) : {}),
        ...options.gauges?.(),
      });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    // tRPC holds bodies to the gateway's limit; a caller's larger change is read here and handed over.
    if (principal && limit.bytes > options.maxBodyBytes && !(await readBody(req, limit.bytes)))
      return sendJson(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `request body exceeds the limit of ${limit.bytes} bytes${limit.why}` } });
    // Without a principal the procedures refuse with 401 (health.check excepted).
    trpc(req, res);
  };

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(path);
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      metrics.observe(route, req.method ?? 'GET', res.statusCode, seconds);
      // The path only: query strings of tRPC GETs carry inputs, which may be sensitive.
      log.info({ requestId, method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    // A stuck dependency must not hold a caller forever; live subscriptions are meant to stay open.
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    if (!path.endsWith('events.subscribe')) {
      const timer = setTimeout(() => {
        if (!res.headersSent)
          sendJson(res, 503, { error: { code: 'TIMEOUT', message: `no answer within ${timeoutMs / 1000} s; nothing is known to have been written, but check before retrying a write`, requestId } });
        else res.destroy();
      }, timeoutMs);
      res.on('close', () => clearTimeout(timer));
    }
    const run = () =>
      handle(req, res, requestId, path).catch((error: unknown) => {
        log.error({ err: error, requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error', requestId } });
        else res.destroy();
      });
    // API calls are traced (a live subscription would be one span for hours: it is not).
    if (path.startsWith('/trpc/') && !path.endsWith('events.subscribe')) void withContext(traceRequest(req, res, route, requestId), run);
    else void run();
  });
}
