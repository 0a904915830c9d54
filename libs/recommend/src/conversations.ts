import type { FlowEndpoint, FlowRecord } from '@palisade/contracts';
import { workloadLabels } from './stable-labels.js';

/** A flow as recommendations read it: a recorded record (counts once) or a distinct conversation with its record count. */
export type ObservedFlow = Pick<FlowRecord, 'source' | 'destination' | 'protocol' | 'port' | 'action'> & { records?: number };

/** Who is on the other end of a conversation: a workload (by namespace and stable labels) or an address. */
export type Peer = { kind: 'workload'; namespace: string; labels: Record<string, string> } | { kind: 'net'; cidr: string };

/** One distinct conversation of a workload: with whom, which way, on what protocol and port. */
export interface Conversation {
  /** The workload the policy is for: its stable labels. */
  workload: Record<string, string>;
  direction: 'ingress' | 'egress';
  peer: Peer;
  protocol: string;
  port: number | null;
  /** Flow records seen for it, and a readable line per distinct pod pair (for the rule's annotation). */
  records: number;
  seen: Set<string>;
}

export const keyOf = (labels: Record<string, string>) => JSON.stringify(labels);
export const peerKey = (peer: Peer) => (peer.kind === 'net' ? `net:${peer.cidr}` : `wl:${peer.namespace}:${keyOf(peer.labels)}`);

function peerOf(side: FlowEndpoint): Peer | undefined {
  if (side.namespace && side.name) {
    const labels = workloadLabels(side.labels);
    if (Object.keys(labels).length) return { kind: 'workload', namespace: side.namespace, labels };
  }
  // An address no workload owns (or a workload with nothing stable to select it by): exactly that address.
  if (side.ip) return { kind: 'net', cidr: `${side.ip}/${side.ip.includes(':') ? 128 : 32}` };
  return undefined;
}

const describe = (side: FlowEndpoint) => (side.name ? `${side.namespace ? `${side.namespace}/` : ''}${side.name}` : (side.ip ?? '?'));

/**
 * The distinct conversations of the chosen workloads in recorded flows: a flow into one of them is
 * an ingress conversation for it, a flow out of one an egress conversation (a flow between two of
 * them is both). Records of the same conversation from both reporters count once each.
 */
export function conversations(
  flows: readonly ObservedFlow[],
  namespace: string,
  chosen: (labels: Record<string, string>) => boolean,
  includeDenied = false,
): { list: Conversation[]; skipped: string[] } {
  const byKey = new Map<string, Conversation>();
  const skipped = new Set<string>();
  const add = (self: FlowEndpoint, other: FlowEndpoint, direction: Conversation['direction'], flow: ObservedFlow) => {
    if (self.namespace !== namespace || !self.name || !chosen(self.labels)) return;
    const workload = workloadLabels(self.labels);
    if (!Object.keys(workload).length) return void skipped.add(`${describe(self)} has no stable label to select it by`);
    const peer = peerOf(other);
    if (!peer) return void skipped.add(`a flow of ${describe(self)} names no peer endpoint or address`);
    const key = [keyOf(workload), direction, peerKey(peer), flow.protocol, flow.port ?? ''].join('|');
    let c = byKey.get(key);
    if (!c) byKey.set(key, (c = { workload, direction, peer, protocol: flow.protocol, port: flow.port, records: 0, seen: new Set() }));
    c.records += flow.records ?? 1;
    const [from, to] = direction === 'ingress' ? [other, self] : [self, other];
    c.seen.add(`${describe(from)} → ${describe(to)}${flow.port ? `:${flow.port}` : ''}/${flow.protocol}`);
  };
  for (const flow of flows) {
    if (flow.action !== 'Allow' && !includeDenied) continue;
    add(flow.destination, flow.source, 'ingress', flow);
    add(flow.source, flow.destination, 'egress', flow);
  }
  return { list: [...byKey.values()], skipped: [...skipped] };
}
