import { existsSync, readFileSync } from 'node:fs';
import type { ProcessSpec } from '@palisade/stack';
import { DEMO_CLUSTERS, DEMO_NODES, DEMO_PODS_PER_NODE } from './content.js';
import { demoPaths } from './seed.js';

/** The line `palisade agent simulate` prints once every agent runs: the process is ready then. */
const ALL_RUNNING = `${DEMO_CLUSTERS.length * DEMO_NODES}/${DEMO_CLUSTERS.length * DEMO_NODES} agents running`;

/**
 * The demo's simulated agents as a platform process, when this stack seeded the demo: the shop's
 * nodes in each of its three clusters, joining through the gateway with the demo's token and
 * reporting the shop's traffic as flow logs.
 */
export function demoAgentsSpec(home: string, cli: string, gatewayUrl: string, env: NodeJS.ProcessEnv, logFile: string): ProcessSpec | undefined {
  const paths = demoPaths(home);
  if (!existsSync(paths.token)) return undefined;
  return {
    name: 'demo-agents',
    command: process.execPath,
    args: [
      cli,
      'agent',
      'simulate',
      '--clusters',
      DEMO_CLUSTERS.map((c) => c.name).join(','),
      '--nodes',
      String(DEMO_NODES),
      '--endpoints-per-node',
      String(DEMO_PODS_PER_NODE),
      '--workloads',
      'demo',
      '--traffic',
      paths.traffic,
      '--flow-interval',
      '5',
    ],
    // Its own token and the gateway, nothing else: it talks to NATS with the credentials each join hands out.
    env: { ...env, PALISADE_URL: gatewayUrl, PALISADE_TOKEN: readFileSync(paths.token, 'utf8').trim() },
    ready: async () => {
      // The log is shared across restarts: only a line written after this start counts.
      const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (!text.slice(text.lastIndexOf('starting ')).includes(ALL_RUNNING)) throw new Error('the simulated agents are still joining');
    },
    readyTimeoutMs: 120_000,
  };
}
