import { cidrContains, type ParsedIp } from '../net/index.js';
import { PROTOCOL_NUMBERS } from '../numorstring/index.js';
import type { CompiledEntity, CompiledRule, PortMatch } from '../snapshot/types.js';
import type { Snapshot } from './snapshot.js';
import { ipSetContains, ipSetOf } from './ipsets.js';
import type { Peer } from './peers.js';

/** One packet of a flow, as a chain sees it. */
export interface Packet {
  protocol: number;
  ipVersion: 4 | 6;
  src: Peer;
  dst: Peer;
  srcPort?: number;
  dstPort?: number;
  icmpType?: number;
  icmpCode?: number;
}

const PROTOCOL_NAMES = new Map(Object.entries(PROTOCOL_NUMBERS).map(([name, n]) => [n, name]));
export const protocolName = (n: number): string => PROTOCOL_NAMES.get(n) ?? String(n);

/** Mismatch reasons are only built when explaining; otherwise a shared token says "no". */
const NO = 'no';

function portIn(list: PortMatch[], port: number | undefined, protocol: number, owner: Peer): boolean {
  if (port === undefined) return false;
  for (const p of list) {
    if ('name' in p) {
      // Named ports resolve on the endpoint at that end of the flow, for the packet's protocol.
      if (owner.endpoint?.ports.some((np) => np.name === p.name && np.protocol === protocol && np.port === port)) return true;
    } else if (port >= p.min && port <= p.max) {
      return true;
    }
  }
  return false;
}

const describePorts = (list: PortMatch[]) => `[${list.map((p) => ('name' in p ? p.name : p.min === p.max ? String(p.min) : `${p.min}:${p.max}`)).join(', ')}]`;

function entityMismatch(snapshot: Snapshot, side: 'source' | 'destination', entity: CompiledEntity, packet: Packet, why: boolean): string | undefined {
  const peer = side === 'source' ? packet.src : packet.dst;
  const ip: ParsedIp = peer.ip;
  const port = side === 'source' ? packet.srcPort : packet.dstPort;
  if (entity.nets && !entity.nets.some((n) => cidrContains(n, ip))) return why ? `${side} ${ip.text} is not in nets [${entity.nets.map((n) => n.text).join(', ')}]` : NO;
  if (entity.notNets) {
    const hit = entity.notNets.find((n) => cidrContains(n, ip));
    if (hit) return why ? `${side} ${ip.text} is in notNets ${hit.text}` : NO;
  }
  if (entity.selector && !ipSetContains(ipSetOf(snapshot, entity.selector), ip)) {
    if (!why) return NO;
    const written = [
      entity.written.selector !== undefined ? `selector ${entity.written.selector}` : '',
      entity.written.namespaceSelector !== undefined ? `namespaceSelector ${entity.written.namespaceSelector}` : '',
      entity.written.serviceAccounts ? `serviceAccounts ${entity.written.serviceAccounts}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `${side} ${peer.label} does not match ${written || 'the rule'} (as matched: ${entity.selector.toString()})`;
  }
  if (entity.notSelector && ipSetContains(ipSetOf(snapshot, entity.notSelector), ip)) return why ? `${side} ${peer.label} matches notSelector ${entity.written.notSelector}` : NO;
  if (entity.services) {
    const service = snapshot.services.get(`${entity.services.namespace}/${entity.services.name}`);
    if (!service || !service.addresses.some((a) => a.text === ip.text)) return why ? `${side} ${ip.text} is not an endpoint of service ${entity.services.namespace}/${entity.services.name}` : NO;
    if (side === 'destination' && !service.ports.some((p) => p.port === port && p.protocol === packet.protocol)) {
      return why ? `destination port ${port ?? '(none)'} is not a port of service ${entity.services.namespace}/${entity.services.name}` : NO;
    }
  }
  if (entity.ports && !portIn(entity.ports, port, packet.protocol, peer)) {
    return why ? (port === undefined ? `the flow has no ${side} port to match ${describePorts(entity.ports)}` : `${side} port ${port} not in ${describePorts(entity.ports)}`) : NO;
  }
  if (entity.notPorts && portIn(entity.notPorts, port, packet.protocol, peer)) return why ? `${side} port ${port} is in notPorts ${describePorts(entity.notPorts)}` : NO;
  return undefined;
}

/**
 * Whether a rule matches a packet, Calico's way (every criterion must hold; not-fields negate
 * their own criterion). Returns undefined on a match, otherwise why not (only spelled out when
 * `why` is set, so the fast path allocates nothing).
 */
export function ruleMismatch(snapshot: Snapshot, rule: CompiledRule, packet: Packet, why: boolean): string | undefined {
  if (rule.ipVersion !== undefined && rule.ipVersion !== packet.ipVersion) return why ? `rule is for IPv${rule.ipVersion}, the flow is IPv${packet.ipVersion}` : NO;
  if (rule.protocol !== undefined && rule.protocol !== packet.protocol) return why ? `protocol ${protocolName(packet.protocol)} is not ${protocolName(rule.protocol)}` : NO;
  if (rule.notProtocol !== undefined && rule.notProtocol === packet.protocol) return why ? `protocol ${protocolName(packet.protocol)} is excluded by notProtocol` : NO;
  if (rule.icmp) {
    if (rule.icmp.type !== undefined && rule.icmp.type !== packet.icmpType) return why ? `ICMP type ${packet.icmpType ?? '(none)'} is not ${rule.icmp.type}` : NO;
    if (rule.icmp.code !== undefined && rule.icmp.code !== packet.icmpCode) return why ? `ICMP code ${packet.icmpCode ?? '(none)'} is not ${rule.icmp.code}` : NO;
  }
  if (rule.notIcmp && (rule.notIcmp.type === undefined || rule.notIcmp.type === packet.icmpType) && (rule.notIcmp.code === undefined || rule.notIcmp.code === packet.icmpCode)) {
    if (packet.protocol === 1 || packet.protocol === 58) return why ? `ICMP type ${packet.icmpType} is excluded by notICMP` : NO;
  }
  return entityMismatch(snapshot, 'source', rule.source, packet, why) ?? entityMismatch(snapshot, 'destination', rule.destination, packet, why);
}
