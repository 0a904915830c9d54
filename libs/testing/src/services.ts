import { join } from 'node:path';
import { findWorkspaceRoot, probeNats, probePostgres, probeTemporal, serviceEnv, upServices, describeError } from '@palisade/stack';

/** What every integration test needs to reach the real services. */
export interface TestServices {
  databaseUrl: string;
  natsUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  /** The NATS operator-mode keys (NATS_AUTH_FILE), when the stack's own nats-server runs: what the gateway issues agents' credentials from. */
  natsAuthFile?: string;
}

const KEYS = ['DATABASE_URL', 'NATS_URL', 'TEMPORAL_ADDRESS'] as const;

/** The stack home the test command and the harness share. */
export function testStackHome(): string {
  const fromEnv = process.env['PALISADE_TEST_HOME'];
  if (fromEnv) return fromEnv;
  const root = findWorkspaceRoot(import.meta.dirname);
  if (!root) throw new Error('cannot find the Palisade workspace root from ' + import.meta.dirname);
  return join(root, '.palisade', 'test');
}

/**
 * Services from the environment when all three are given (the test command and CI set them),
 * otherwise the shared test stack under .palisade/test, started on first use and then reused.
 * Either way each service is probed, so a test never starts against something that is down.
 */
export async function ensureTestServices(log: (line: string) => void = () => undefined): Promise<TestServices> {
  const env = process.env;
  let values: Record<string, string>;
  if (KEYS.every((k) => env[k])) {
    values = Object.fromEntries(KEYS.map((k) => [k, env[k]!]));
    values['TEMPORAL_NAMESPACE'] = env['TEMPORAL_NAMESPACE'] || 'default';
    if (env['NATS_AUTH_FILE']) values['NATS_AUTH_FILE'] = env['NATS_AUTH_FILE'];
    const checks: [string, () => Promise<unknown>][] = [
      ['PostgreSQL at DATABASE_URL', () => probePostgres(values['DATABASE_URL']!)],
      ['NATS at NATS_URL', () => probeNats(values['NATS_URL']!)],
      ['Temporal at TEMPORAL_ADDRESS', () => probeTemporal(values['TEMPORAL_ADDRESS']!, values['TEMPORAL_NAMESPACE'])],
    ];
    for (const [what, check] of checks) {
      try {
        await check();
      } catch (error) {
        throw new Error(`${what} is unreachable: ${describeError(error)}`);
      }
    }
  } else {
    const state = await upServices({ home: testStackHome(), profile: 'test', env, log });
    values = serviceEnv(state);
  }
  return {
    databaseUrl: values['DATABASE_URL']!,
    natsUrl: values['NATS_URL']!,
    temporalAddress: values['TEMPORAL_ADDRESS']!,
    temporalNamespace: values['TEMPORAL_NAMESPACE'] ?? 'default',
    ...(values['NATS_AUTH_FILE'] ? { natsAuthFile: values['NATS_AUTH_FILE'] } : {}),
  };
}

/** Services as the global setup left them in the environment of every test worker. */
export function testServices(): TestServices {
  const env = process.env;
  const missing = KEYS.filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: run integration tests with the harness's global setup (palisadeVitest(name, { integration: true }))`);
  }
  return {
    databaseUrl: env['DATABASE_URL']!,
    natsUrl: env['NATS_URL']!,
    temporalAddress: env['TEMPORAL_ADDRESS']!,
    temporalNamespace: env['TEMPORAL_NAMESPACE'] || 'default',
    ...(env['NATS_AUTH_FILE'] ? { natsAuthFile: env['NATS_AUTH_FILE'] } : {}),
  };
}
