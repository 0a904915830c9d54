// Vitest global setup for integration suites: make sure the real services are up before any
// test file loads, and hand their addresses to the test workers through the environment.
import { ensureTestServices } from './services.js';

export default async function setup(): Promise<void> {
  const services = await ensureTestServices((line) => console.log(`[palisade test services] ${line}`));
  process.env['DATABASE_URL'] = services.databaseUrl;
  process.env['NATS_URL'] = services.natsUrl;
  process.env['TEMPORAL_ADDRESS'] = services.temporalAddress;
  process.env['TEMPORAL_NAMESPACE'] = services.temporalNamespace;
  if (services.natsAuthFile) process.env['NATS_AUTH_FILE'] = services.natsAuthFile;
}
