import { readFileSync } from 'node:fs';
import { connectBus } from '@palisade/bus';
import { ConfigError, redactUrl } from '@palisade/contracts';
import { loadAgentConfig } from './config.js';
import { startHeartbeat } from './heartbeat.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// Today the agent registers its liveness; compiling and enforcing policy arrive with the agent issue.
async function main(): Promise<void> {
  let config;
  try {
    config = loadAgentConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  let nc;
  try {
    nc = await connectBus({ url: config.NATS_URL, name: `palisade-agent/${config.PALISADE_CLUSTER}/${config.PALISADE_NODE}` });
  } catch (error) {
    console.error(`agent: cannot reach NATS at ${redactUrl(config.NATS_URL)}: ${(error as Error).message}`);
    process.exit(3);
  }
  const stop = startHeartbeat(nc, { cluster: config.PALISADE_CLUSTER, node: config.PALISADE_NODE, version: VERSION, intervalMs: config.PALISADE_HEARTBEAT_SECONDS * 1000 });
  const shutdown = () => {
    stop();
    void nc.drain().finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();
