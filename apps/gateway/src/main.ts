import { ConfigError, redactUrl } from '@palisade/contracts';
import { applyMigrations, EventKey, introduceEventKey, MigrationError, startHorizonNotifier } from '@palisade/event-store';
import { pino } from 'pino';
import { setStreamReplicas } from '@palisade/bus';
import { loadConfig } from './config.js';
import { openDependencies } from './dependencies.js';
import { createGatewayServer } from './server.js';
import { startBackground } from './background.js';
import { watchLag } from './lag.js';
import { untilReachable } from './startup.js';
import { latestAnchor } from '@palisade/outbox';
import { ensureBuckets } from '@palisade/bus';
import { GATEWAY_VERSION } from './version.js';
import { trackAgents } from './agents.js';
import { observeNodes } from './node-status.js';
import { createAgentIssuer } from './agent-issuer.js';
import { syncRevocations } from './revocations.js';
import { startFlowIngest } from './flow-ingest.js';
import { serveRolloutDrive } from './rollout-driver.js';
import { temporalRollouts } from './rollout-engine.js';
import { readClusterInventory } from './inventory.js';
import { startTracing, TelemetryConfigError, type Tracing } from '@palisade/telemetry';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'gateway', pid: process.pid } });
  let tracing: Tracing;
  try {
    tracing = startTracing('palisade-gateway', { version: GATEWAY_VERSION });
  } catch (error) {
    if (error instanceof TelemetryConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (tracing.enabled) log.info({ exporter: tracing.config.exporter, endpoint: tracing.config.endpoint }, 'tracing on');
  setStreamReplicas(config.NATS_STREAM_REPLICAS);
  const startedAt = new Date().toISOString();

  const migrationUrl = config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL;
  try {
    const result = await untilReachable(
      () => applyMigrations(migrationUrl, { log: (line) => log.info(line) }),
      config.GATEWAY_STARTUP_WAIT_SECONDS * 1000,
      (error, waitMs) => log.warn(`PostgreSQL at ${redactUrl(migrationUrl)} is not reachable yet (${(error as Error).message}); trying again in ${waitMs} ms`),
    );
    log.info({ applied: result.applied, alreadyApplied: result.alreadyApplied }, 'database schema up to date');
  } catch (error) {
    const detail = (error as Error).message;
    const hint = /permission denied|must be owner/.test(detail) ? ' (this role may not change the schema: run the migrations as the database owner, with DATABASE_MIGRATION_URL or `palisade up`)' : '';
    const message = error instanceof MigrationError ? error.message + hint : `cannot migrate PostgreSQL at ${redactUrl(migrationUrl)}: ${detail}${hint}`;
    log.fatal(message);
    process.exit(1);
  }

  let stopping = false;
  const eventKey = EventKey.fromText(config.PALISADE_EVENT_KEY);
  const deps = openDependencies(config, log, { version: GATEWAY_VERSION, startedAt }, eventKey);
  try {
    const { legacyUpTo, introduced } = await untilReachable(
      () => introduceEventKey(deps.database, eventKey),
      config.GATEWAY_STARTUP_WAIT_SECONDS * 1000,
      (error, waitMs) => log.warn(`PostgreSQL is not reachable (${(error as Error).message}); trying again in ${waitMs} ms`),
    );
    if (introduced) log.warn({ kid: eventKey.kid, legacyUpTo }, `event key ${eventKey.kid} is new: events up to position ${legacyUpTo} were written before it and are accepted unsigned`);
    else log.info({ kid: eventKey.kid, legacyUpTo }, 'events are signed and checked with the event key');
  } catch (error) {
    log.fatal({ err: error }, `cannot load the event key: ${(error as Error).message}`);
    process.exit(1);
  }
  // One horizon reader for the process: the background loops and every live subscription wait on it.
  const horizon = startHorizonNotifier(deps.database, { onError: (what, error) => log.warn({ err: error }, `${what} failed; retrying`) });
  const background = startBackground(config.DATABASE_URL, deps.nats, log, horizon, { anchorEveryMs: config.GATEWAY_ANCHOR_SECONDS * 1000, eventKey });
  const lag = watchLag(background, { maxOutboxLagSeconds: config.GATEWAY_OUTBOX_MAX_LAG_SECONDS, onError: (error) => log.debug({ err: error }, 'sampling background lag failed') });
  deps.addCheck('outbox', 'events to NATS JetStream', true, lag.outboxCheck);
  const agents = trackAgents(log, config.GATEWAY_AGENT_STALE_SECONDS * 1000);
  // Observed releases are recorded with the gateway's own connection (the sealer's pool is the background's).
  const nodes = observeNodes(deps.database, log, agents.alive);
  let agentIssuer;
  try {
    agentIssuer = createAgentIssuer({
      ...(config.NATS_AUTH_FILE ? { authFile: config.NATS_AUTH_FILE } : {}),
      natsUrl: config.NATS_URL,
      ...(config.AGENT_NATS_URL ? { agentNatsUrl: config.AGENT_NATS_URL } : {}),
      log,
    });
  } catch (error) {
    log.fatal(`cannot read the NATS keys in NATS_AUTH_FILE ${config.NATS_AUTH_FILE}: ${(error as Error).message}`);
    process.exit(2);
  }
  // NATS may have restarted with its preloaded account (no revocations): the list is pushed again.
  const revocations = syncRevocations(deps.database, agentIssuer, log);
  let flows: ReturnType<typeof startFlowIngest> | undefined;
  let drive: ReturnType<typeof serveRolloutDrive> | undefined;
  void (async () => {
    while (!deps.nats() && !stopping) await new Promise((r) => setTimeout(r, 500));
    const nc = deps.nats();
    if (nc) {
      // Agents bind to the buckets and never create them (their credentials do not allow it).
      for (let delay = 500; !stopping; delay = Math.min(delay * 2, 10_000)) {
        try {
          await ensureBuckets(nc);
          break;
        } catch (error) {
          log.warn({ err: error }, 'cannot create the agent buckets on NATS yet; retrying');
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      agents.attach(nc);
      void nodes.attach(nc);
      if (!stopping) flows = startFlowIngest(nc, deps.database, log, { retentionDays: config.GATEWAY_FLOW_RETENTION_DAYS });
      if (!stopping) drive = serveRolloutDrive(nc, { db: deps.database, nodes: nodes.nodes, alive: agents.alive, agents: agents.list, log });
    }
  })();
  const server = createGatewayServer({
    health: deps.health,
    log,
    maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
    db: deps.database,
    horizon,
    rateLimit: { perSecond: config.GATEWAY_RATE_LIMIT_PER_SECOND, burst: config.GATEWAY_RATE_LIMIT_BURST },
    agents: agents.list,
    agentIssuer,
    rollouts: temporalRollouts(deps.temporal, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE),
    inventory: async (cluster) => {
      const nc = deps.nats();
      if (!nc) throw new Error('NATS is not connected yet');
      return readClusterInventory(nc, cluster);
    },
    requestTimeoutMs: config.GATEWAY_REQUEST_TIMEOUT_SECONDS * 1000,
    tokenCacheMs: config.GATEWAY_TOKEN_CACHE_SECONDS * 1000,
    gauges: () => ({
      ...lag.gauges(),
      palisade_agent_revocations_lag_seconds: { help: 'Seconds the agent revocation list in NATS has been behind the store (0: in step).', value: revocations.lagSeconds() },
      ...(flows
        ? {
            palisade_flow_ingest_pending: { help: 'Flow batches waiting in JetStream for ingest.', value: flows.status.pending },
            palisade_flow_ingest_lag_seconds: { help: 'Seconds since flow ingest last heard from JetStream, beyond its poll.', value: flows.lagSeconds() },
            palisade_flow_records_stored: { help: 'Flow records stored since start.', value: flows.status.stored },
            palisade_flow_batches_refused: { help: 'Flow batches refused (malformed, or naming another node) since start.', value: flows.status.refused },
          }
        : {}),
    }),
    anchor: async () => {
      const nc = deps.nats();
      return nc ? latestAnchor(nc) : undefined;
    },
  });
  server.requestTimeout = config.GATEWAY_REQUEST_TIMEOUT_SECONDS * 1000;
  server.headersTimeout = 10_000;
  server.on('error', (error) => {
    log.fatal({ err: error }, `cannot listen on ${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
    process.exit(1);
  });
  server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
    log.info({ url: `http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`, version: GATEWAY_VERSION }, 'gateway listening');
  });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    agents.stop();
    nodes.stop();
    revocations.stop();
    void flows?.stop();
    drive?.stop();
    lag.stop();
    server.close();
    server.closeAllConnections();
    background
      .stop()
      .then(() => horizon.close())
      .then(() => deps.close())
      .then(() => tracing.shutdown())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
