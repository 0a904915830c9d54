import { ConfigError, redactUrl } from '@palisade/contracts';
import { applyMigrations, MigrationError } from '@palisade/event-store';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { openDependencies } from './dependencies.js';
import { createGatewayServer } from './server.js';
import { startBackground } from './background.js';
import { GATEWAY_VERSION } from './version.js';

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
  const startedAt = new Date().toISOString();

  try {
    const result = await applyMigrations(config.DATABASE_URL, { log: (line) => log.info(line) });
    log.info({ applied: result.applied, alreadyApplied: result.alreadyApplied }, 'database schema up to date');
  } catch (error) {
    const message = error instanceof MigrationError ? error.message : `cannot migrate PostgreSQL at ${redactUrl(config.DATABASE_URL)}: ${(error as Error).message}`;
    log.fatal(message);
    process.exit(1);
  }

  const deps = openDependencies(config, log, { version: GATEWAY_VERSION, startedAt });
  const background = startBackground(config.DATABASE_URL, deps.nats, log);
  const server = createGatewayServer({ health: deps.health, log, maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES, db: deps.prisma });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('error', (error) => {
    log.fatal({ err: error }, `cannot listen on ${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`);
    process.exit(1);
  });
  server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
    log.info({ url: `http://${config.GATEWAY_HOST}:${config.GATEWAY_PORT}`, version: GATEWAY_VERSION }, 'gateway listening');
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close();
    server.closeAllConnections();
    background
      .stop()
      .then(() => deps.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
