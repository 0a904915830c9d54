import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus } from '@palisade/bus';
import { NodeName, parseNatsUrl, type AgentCredentials, type AgentSettings } from '@palisade/contracts';
import type { Resource } from '@palisade/engine';
import { NodeAgent, type AgentLog } from '../agent.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import { NftablesDataplane } from '../dataplane/nftables.js';
import { SimulatedDataplane } from '../dataplane/simulated.js';
import { InventoryError, inventoryProblem, parseInventory } from '../inventory/node-inventory.js';
import { hostEndpointsFromInterfaces } from '../inventory/host-endpoints.js';
import { inClusterAccess, type KubernetesAccess } from '../inventory/kubernetes-api.js';
import { KubernetesInventory } from '../inventory/kubernetes.js';
import { parseTrafficMix } from '../flows/traffic.js';
import { sleep } from '../watch.js';
import { joinCluster, JoinError, storeCredentials, storedCredentials } from './credentials.js';

export interface RunAgentOptions {
  settings: AgentSettings;
  agentVersion: string;
  log: AgentLog;
  /** Overrides the dataplane the settings name (tests: nft inside a namespace). */
  dataplane?: Dataplane;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

export interface RunningAgent {
  agent: NodeAgent;
  node: string;
  /** Settles when the NATS connection is closed for good (credentials refused, or stop()). */
  closed: Promise<Error | undefined>;
  stop(): Promise<void>;
}

/** This node's name: as configured, else the host's name when it is a valid node name. */
export function nodeNameOf(settings: AgentSettings): string {
  if (settings.node) return settings.node;
  const host = hostname().toLowerCase();
  if (!NodeName.safeParse(host).success) throw new JoinError('NO_TOKEN', `the host name ${JSON.stringify(host)} is not a valid node name: set node in the configuration or --node`);
  return host;
}

/** Credentials from the state directory, or from joining with the configured join token. */
export async function credentialsFor(settings: AgentSettings, node: string, fetchImpl?: typeof fetch): Promise<AgentCredentials> {
  const stored = storedCredentials(settings.stateDir, settings.cluster, node);
  if (stored) return stored;
  if (!settings.joinTokenFile)
    throw new JoinError('NO_TOKEN', `no credentials in ${settings.stateDir} and no joinTokenFile to join with: create one with \`palisade cluster join-token ${settings.cluster}\``);
  let token: string;
  try {
    token = readFileSync(settings.joinTokenFile, 'utf8').trim();
  } catch (error) {
    throw new JoinError('NO_TOKEN', `cannot read the join token file ${settings.joinTokenFile}: ${(error as Error).message}`);
  }
  const credentials = await joinCluster(settings.gateway, token, node, fetchImpl);
  if (credentials.cluster !== settings.cluster) throw new JoinError('REFUSED', `the join token is for cluster ${credentials.cluster}, not ${settings.cluster}`);
  storeCredentials(settings.stateDir, credentials);
  return credentials;
}

/** The API server and credentials the settings name, else the pod's in-cluster ones. */
export function kubernetesAccess(given: NonNullable<AgentSettings['kubernetes']>, env: Record<string, string | undefined> = process.env): KubernetesAccess {
  const inCluster = inClusterAccess(env);
  const apiServer = given.apiServer ?? inCluster?.apiServer;
  if (!apiServer) throw new InventoryError('kubernetes: no apiServer is set and this is not a pod (KUBERNETES_SERVICE_HOST is unset)');
  const tokenFile = given.tokenFile ?? (given.apiServer ? undefined : inCluster?.tokenFile);
  const caFile = given.caFile ?? (given.apiServer ? undefined : inCluster?.caFile);
  return { apiServer, ...(tokenFile ? { tokenFile } : {}), ...(caFile ? { caFile } : {}) };
}

/** Host and port of every control-plane endpoint the agent talks to: never blocked by policy. */
export function controlPlaneOf(gateway: string, natsUrl: string): { host: string; port: number }[] {
  const g = new URL(gateway);
  const gatewayPort = Number(g.port || (g.protocol === 'https:' ? 443 : 80));
  const nats = parseNatsUrl(natsUrl).servers.map((s) => {
    const u = new URL(s.includes('://') ? s : `nats://${s}`);
    return { host: u.hostname, port: Number(u.port || 4222) };
  });
  return [{ host: g.hostname, port: gatewayPort }, ...nats];
}

/**
 * `palisade agent run`: join (first start) or reuse the stored credentials, connect to NATS
 * (waiting for it when it is down), and run the node agent until stopped.
 */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const { settings, log } = options;
  const node = nodeNameOf(settings);
  const fixed: Resource[] = [
    ...(settings.inventoryFile ? parseInventory(readFileSync(settings.inventoryFile, 'utf8'), node, settings.inventoryFile) : []),
    ...(settings.hostEndpoints ? hostEndpointsFromInterfaces(node, settings.hostEndpoints) : []),
  ];
  const stopping = new AbortController();
  options.signal?.addEventListener('abort', () => stopping.abort(), { once: true });
  const started: { agent?: NodeAgent } = {};
  let published = '';
  // Pods come and go: the Kubernetes inventory is published again whenever it changes.
  const podsChanged = (pods: Resource[]) => {
    const next = [...fixed, ...pods];
    const text = JSON.stringify(next);
    if (!started.agent || text === published) return;
    const problem = started.agent.setInventory(next);
    if (problem) log('warn', "this node's Kubernetes inventory cannot be taken; keeping the last one", { problem });
    else published = text;
  };
  const kubernetes = settings.kubernetes ? new KubernetesInventory({ access: kubernetesAccess(settings.kubernetes), node, onChange: podsChanged, log }) : undefined;
  if (kubernetes) log('info', 'listing the pods on this node from the Kubernetes API');
  try {
    return await startAgent();
  } catch (error) {
    stopping.abort();
    throw error;
  }

  async function startAgent(): Promise<RunningAgent> {
    const inventory: Resource[] = [...fixed, ...(kubernetes ? await kubernetes.start(stopping.signal) : [])];
    published = JSON.stringify(inventory);
    const problem = inventoryProblem(node, inventory);
    if (problem) throw new InventoryError(`this node's inventory: ${problem}`);
    const traffic = settings.trafficFile ? parseTrafficMix(readFileSync(settings.trafficFile, 'utf8'), settings.trafficFile) : undefined;
    const credentials = await credentialsFor(settings, node, options.fetchImpl);
    const url = settings.natsUrl ?? credentials.servers.join(',');
    const nc = await connectWithRetry(url, settings, node, credentials, log, options.signal);
    const dataplane = options.dataplane ?? (settings.dataplane === 'nftables' ? new NftablesDataplane({ flowLog: true }) : new SimulatedDataplane());
    const agent = new NodeAgent({
      nc,
      cluster: settings.cluster,
      node,
      dataplane,
      agentVersion: options.agentVersion,
      inventory,
      failsafe: { ...settings.failsafe, controlPlane: controlPlaneOf(settings.gateway, url) },
      heartbeatSeconds: settings.heartbeatSeconds,
      driftSeconds: settings.driftSeconds,
      flows: { intervalSeconds: settings.flowIntervalSeconds, ...(traffic ? { traffic } : {}) },
      log,
    });
    await agent.start();
    started.agent = agent;
    if (kubernetes) podsChanged(kubernetes.resources());
    log('info', 'agent running', { cluster: settings.cluster, node, dataplane: dataplane.kind, endpoints: inventory.length });
    const closed = nc.closed().then((error) => (error ? new Error(describeClose(error)) : undefined));
    return {
      agent,
      node,
      closed,
      stop: async () => {
        stopping.abort();
        await agent.stop();
        await nc.drain().catch(() => undefined);
      },
    };
  }
}

function describeClose(error: Error): string {
  return /authori[sz]ation|revoked|authentication/i.test(error.message)
    ? `NATS refused this node's credentials (${error.message}): they were revoked or expired; join again with a new join token`
    : `the NATS connection closed: ${error.message}`;
}

async function connectWithRetry(url: string, settings: AgentSettings, node: string, credentials: AgentCredentials, log: AgentLog, signal?: AbortSignal): Promise<NatsConnection> {
  let delay = 500;
  for (;;) {
    try {
      return await connectBus({
        url,
        name: `palisade-agent/${settings.cluster}/${node}`,
        ...(credentials.jwt && credentials.seed ? { credentials: { jwt: credentials.jwt, seed: credentials.seed } } : {}),
        ...(credentials.inboxPrefix ? { inboxPrefix: credentials.inboxPrefix } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const message = (error as Error).message;
      if (/authori[sz]ation|authentication/i.test(message)) throw new JoinError('REFUSED', describeClose(error as Error));
      log('warn', 'NATS is not reachable yet; retrying', { error: message, retryInMs: delay });
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 15_000);
    }
  }
}
