import { join } from 'node:path';
import { APP_LOGIN, appLoginPassword, readState, serviceEnv, stackConsoleSessionKey, stackEventKey, stackPaths, withLogin, type ProcessSpec, type StackState } from '@palisade/stack';
import { gatewayReady, httpOk, workerPolling } from '../readiness.js';
import type { Artefacts } from '../workspace.js';
import { demoAgentsSpec } from './demo/agents.js';

export interface PlatformPorts {
  gateway: number;
  /** Absent: no console. */
  console?: number;
}

/**
 * The platform's processes, in the order they start: the worker, the gateway, the console, then
 * the demo's simulated agents when this stack seeded the demo.
 * `palisade up` starts them from this list and the supervisor restarts them from it, so a
 * restarted process gets exactly the command, environment and readiness check it started with.
 */
export function platformSpecs(built: Artefacts, state: StackState, home: string, ports: PlatformPorts): ProcessSpec[] {
  const services = serviceEnv(state);
  // Each process gets the secrets it needs and no others: only the gateway talks to PostgreSQL,
  // as the least-privileged application login (on the stack's own server; an external
  // DATABASE_URL is used as given), and only it holds the writers' key.
  const base = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'NATS_URL', 'NATS_AUTH_FILE', 'PALISADE_EVENT_KEY']) delete base[key];
  const postgres = state.services.postgres;
  const gatewayDatabase = postgres.mode === 'private' ? withLogin(postgres.url, APP_LOGIN, appLoginPassword(home)) : services['DATABASE_URL']!;
  const env = { ...base, NATS_URL: services['NATS_URL']!, TEMPORAL_ADDRESS: services['TEMPORAL_ADDRESS']!, TEMPORAL_NAMESPACE: services['TEMPORAL_NAMESPACE']! };
  const temporal = state.services.temporal;
  const namespace = temporal.details['namespace'] ?? 'default';
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const specs: ProcessSpec[] = [
    {
      name: 'worker',
      command: process.execPath,
      args: [built.worker],
      env,
      ready: async () => workerPolling(temporal.url, namespace, readState(stackPaths(home).state)?.processes['worker']?.pid ?? 0),
    },
    {
      name: 'gateway',
      command: process.execPath,
      args: [built.gateway],
      // Only the gateway holds the NATS signing keys: it issues agents their credentials.
      env: {
        ...env,
        DATABASE_URL: gatewayDatabase,
        PALISADE_EVENT_KEY: stackEventKey(home),
        ...(services['NATS_AUTH_FILE'] ? { NATS_AUTH_FILE: services['NATS_AUTH_FILE'] } : {}),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(ports.gateway),
      },
      url: gatewayUrl,
      ready: () => gatewayReady(gatewayUrl),
    },
  ];
  if (ports.console !== undefined) {
    const consoleUrl = `http://127.0.0.1:${ports.console}`;
    specs.push({
      name: 'console',
      command: process.execPath,
      args: [built.nextBin, 'start', '-p', String(ports.console), '-H', '127.0.0.1'],
      cwd: built.consoleDir,
      // The console holds only its session key: tokens stay sealed in the cookies it issues.
      env: { ...base, PALISADE_GATEWAY_URL: gatewayUrl, CONSOLE_SESSION_KEY: stackConsoleSessionKey(home), NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
      url: consoleUrl,
      ready: () => httpOk(consoleUrl),
    });
  }
  const demo = demoAgentsSpec(home, built.cli, gatewayUrl, base, join(stackPaths(home).logs, 'demo-agents.log'));
  if (demo) specs.push(demo);
  return specs;
}

/** The ports a running stack's processes were given (for a supervisor that restarts them). */
export function portsOf(state: StackState): PlatformPorts | undefined {
  const port = (url: string | undefined) => (url ? Number(new URL(url).port) : undefined);
  const gateway = port(state.processes['gateway']?.url);
  if (!gateway) return undefined;
  const consolePort = port(state.processes['console']?.url);
  return { gateway, ...(consolePort ? { console: consolePort } : {}) };
}
