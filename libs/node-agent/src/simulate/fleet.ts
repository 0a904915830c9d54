import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '@palisade/bus';
import type { AgentCredentials } from '@palisade/contracts';
import { NodeAgent, type AgentLog } from '../agent.js';
import { SimulatedDataplane } from '../dataplane/simulated.js';
import type { TrafficMix } from '../flows/traffic.js';
import { simulatedInventory, type InventoryProfile } from './inventory.js';

export interface FleetOptions {
  clusters: readonly string[];
  nodesPerCluster: number;
  endpointsPerNode: number;
  /** Which shop the nodes run (default `shop`). */
  inventory?: InventoryProfile;
  /** Each node's own credentials (a join at the gateway, or issued directly in a benchmark). */
  credentials(cluster: string, node: string): Promise<AgentCredentials>;
  agentVersion: string;
  traffic?: TrafficMix;
  flowIntervalSeconds?: number;
  /** NATS servers to use instead of those the credentials name. */
  natsUrl?: string;
  /** At most this many agents joining at once. */
  concurrency?: number;
  log?: AgentLog;
  onStarted?: (started: number, total: number) => void;
}

export interface SimulatedAgent {
  cluster: string;
  node: string;
  agent: NodeAgent;
  nc: NatsConnection;
}

/**
 * Many simulated agents in one process (`palisade agent simulate`, scale tests, benchmarks):
 * each a real NATS client with its own credentials, its own inventory and its own engine state,
 * exactly the agent that runs on a node, with the simulated dataplane.
 */
export async function startFleet(options: FleetOptions): Promise<{ agents: SimulatedAgent[]; stop(): Promise<void> }> {
  const plan = options.clusters.flatMap((cluster) => Array.from({ length: options.nodesPerCluster }, (_, i) => ({ cluster, index: i, node: `${cluster}-node-${i}` })));
  // Every connection first, then every agent: agents starting compile, and a busy event loop
  // would make the handshakes of the connections still to come miss the server's auth timeout.
  const connections: NatsConnection[] = new Array(plan.length);
  let next = 0;
  const connectWorker = async () => {
    while (next < plan.length) {
      const i = next++;
      const { cluster, node } = plan[i]!;
      const credentials = await options.credentials(cluster, node);
      connections[i] = await connectBus({
        url: options.natsUrl ?? credentials.servers.join(','),
        name: `palisade-sim/${cluster}/${node}`,
        timeoutMs: 30_000,
        ...(credentials.jwt && credentials.seed ? { credentials: { jwt: credentials.jwt, seed: credentials.seed } } : {}),
        ...(credentials.inboxPrefix ? { inboxPrefix: credentials.inboxPrefix } : {}),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, plan.length) }, connectWorker));
  const agents: SimulatedAgent[] = [];
  for (const [i, { cluster, index, node }] of plan.entries()) {
    const nc = connections[i]!;
    const agent = new NodeAgent({
      nc,
      cluster,
      node,
      dataplane: new SimulatedDataplane(),
      agentVersion: options.agentVersion,
      inventory: simulatedInventory(cluster, index, node, options.endpointsPerNode, options.inventory),
      driftSeconds: 0,
      ...(options.traffic ? { flows: { traffic: options.traffic, intervalSeconds: options.flowIntervalSeconds ?? 10 } } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    await agent.start();
    agents.push({ cluster, node, agent, nc });
    options.onStarted?.(agents.length, plan.length);
  }
  return {
    agents,
    async stop() {
      await Promise.all(
        agents.map(async (a) => {
          await a.agent.stop();
          await a.nc.drain().catch(() => undefined);
        }),
      );
    },
  };
}
