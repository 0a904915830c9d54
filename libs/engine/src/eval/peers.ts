import { parseIp, type IpFamily, type ParsedIp } from '../net/index.js';
import type { Endpoint, NodeInfo } from '../snapshot/types.js';
import type { Snapshot } from './snapshot.js';

/** One end of a flow, after looking it up in the snapshot (shared between flows: do not modify). */
export interface Peer {
  kind: 'workload' | 'host' | 'external';
  /** How the user named it: "prod/web-1", "hep:node-1/eth0", "host:node-1", "10.0.0.5". */
  label: string;
  ip: ParsedIp;
  /** The workload endpoint, or the host endpoint whose policy applies to this host's traffic. */
  endpoint?: Endpoint;
  /** The node a workload runs on, or the host itself. */
  node?: NodeInfo;
}

export class FlowError extends Error {
  override readonly name = 'FlowError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function pickIp(ips: readonly ParsedIp[], family: IpFamily | undefined): ParsedIp | undefined {
  return family ? ips.find((ip) => ip.family === family) : (ips.find((ip) => ip.family === 4) ?? ips[0]);
}

/**
 * The host endpoint that polices a node's own traffic and what it forwards: a "*" endpoint if
 * there is one, else the one whose expected IPs include the node's address, else the first.
 * (The simulator does not model routes, so one interface stands for the node's uplink.)
 */
export function uplinkHostEndpoint(snapshot: Snapshot, node: NodeInfo | undefined): Endpoint | undefined {
  if (!node || node.hostEndpoints.length === 0) return undefined;
  const heps = node.hostEndpoints.map((id) => snapshot.endpoints.get(id)!).filter(Boolean);
  return heps.find((h) => h.interfaceName === '*') ?? heps.find((h) => h.ips.some((ip) => node.internalIps.some((n) => n.text === ip.text))) ?? heps[0];
}

/**
 * Resolves "namespace/pod", "hep:node/name", "host:node" or an IP address. An address that
 * belongs to a pod, a host endpoint or a node is that peer; any other address is outside the
 * cluster.
 */
export function resolvePeer(snapshot: Snapshot, text: string, field: string, family?: IpFamily): Peer {
  const peers = snapshot.evaluation.peers;
  const key = family ? `${text}\u0000${family}` : text;
  let peer = peers.get(key);
  if (peer) return peer;
  peer = lookupPeer(snapshot, text, field, family);
  // Bounded: a stream of one-off external addresses must not grow it without end.
  if (peers.size >= 100_000) peers.clear();
  peers.set(key, peer);
  return peer;
}

function lookupPeer(snapshot: Snapshot, text: string, field: string, family?: IpFamily): Peer {
  const ipFamily = (ips: readonly ParsedIp[], what: string): ParsedIp => {
    const ip = pickIp(ips, family);
    if (!ip) throw new FlowError(field, `${what} has no ${family ? `IPv${family} ` : ''}address in the snapshot`);
    return ip;
  };
  if (text.startsWith('hep:')) {
    const endpoint = snapshot.endpoints.get(text);
    if (!endpoint || endpoint.kind !== 'host') throw new FlowError(field, `no host endpoint ${text.slice(4)} in the snapshot (write hep:<node>/<hostEndpointName>)`);
    const node = snapshot.nodes.get(endpoint.node ?? '');
    return { kind: 'host', label: text, ip: ipFamily([...endpoint.ips, ...(node?.internalIps ?? [])], text), endpoint, ...(node ? { node } : {}) };
  }
  if (text.startsWith('host:')) {
    const node = snapshot.nodes.get(text.slice(5));
    if (!node) throw new FlowError(field, `no node ${text.slice(5)} in the snapshot (a v1 Node, or a node named by a pod or host endpoint)`);
    const endpoint = uplinkHostEndpoint(snapshot, node);
    return { kind: 'host', label: text, ip: ipFamily([...node.internalIps, ...(endpoint?.ips ?? [])], text), node, ...(endpoint ? { endpoint } : {}) };
  }
  const ip = parseIp(text);
  if (ip) {
    const endpoint = snapshot.endpointByIp.get(ip.text);
    if (endpoint) {
      const node = snapshot.nodes.get(endpoint.node ?? '');
      return { kind: endpoint.kind, label: text, ip, endpoint, ...(node ? { node } : {}) };
    }
    const node = snapshot.nodeByIp.get(ip.text);
    if (node) {
      const hep = uplinkHostEndpoint(snapshot, node);
      return { kind: 'host', label: text, ip, node, ...(hep ? { endpoint: hep } : {}) };
    }
    return { kind: 'external', label: text, ip };
  }
  const endpoint = snapshot.endpoints.get(text);
  if (!endpoint || endpoint.kind !== 'workload') {
    throw new FlowError(field, `${JSON.stringify(text)} is not a known endpoint: write namespace/pod, hep:<node>/<hostEndpoint>, host:<node> or an IP address`);
  }
  const node = snapshot.nodes.get(endpoint.node ?? '');
  return { kind: 'workload', label: text, ip: ipFamily(endpoint.ips, text), endpoint, ...(node ? { node } : {}) };
}
