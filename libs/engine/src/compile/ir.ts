import type { ParsedCidr } from '../net/index.js';
import { CidrSet } from './member-sets.js';
import type { Endpoint } from '../snapshot/types.js';
import type { Snapshot } from '../eval/snapshot.js';
import type { Direction } from '../eval/chain.js';
import { sha256, toHex } from '../util/sha2.js';
import { utf8Bytes } from '../util/utf8.js';

// A dataplane-neutral form of one node's policy: what every local endpoint's chains contain, in
// evaluation order, with IP sets for selectors. Renderers (nftables) turn it into rules.

export type Family = 4 | 6;

export interface IpSetIR {
  id: string;
  family: Family;
  /** CIDRs (/32 or /128 for single addresses), sorted, none covered by another. */
  members: string[];
  /** What the set stands for: a selector's canonical form. */
  source: string;
}

export interface TupleSetIR {
  id: string;
  family: Family;
  /** address . protocol . port */
  members: { ip: string; protocol: number; port: number }[];
  source: string;
}

export interface MatchIR {
  nets?: string[];
  notNets?: string[];
  /** IP set ids, per family. */
  selector?: Partial<Record<Family, string>>;
  notSelector?: Partial<Record<Family, string>>;
  ports?: { min: number; max: number }[];
  notPorts?: { min: number; max: number }[];
  /** Named ports: (address, protocol, port) tuple sets of the endpoints that have them. */
  namedPorts?: Partial<Record<Family, string>>;
  notNamedPorts?: Partial<Record<Family, string>>;
  /** A service: its endpoints' (address, protocol, port) tuples. */
  service?: Partial<Record<Family, string>>;
  /** A service on the source side: its endpoints' addresses. */
  serviceAddresses?: Partial<Record<Family, string>>;
}

export interface RuleIR {
  index: number;
  action: 'Allow' | 'Deny' | 'Log' | 'Pass';
  ipVersion?: Family;
  protocol?: number;
  notProtocol?: number;
  icmp?: { type?: number; code?: number };
  notIcmp?: { type?: number; code?: number };
  src: MatchIR;
  dst: MatchIR;
}

/** One policy's rules for one direction, shared by every endpoint it applies to. */
export interface PolicyChainIR {
  id: string;
  /** The policy (PolicyInfo id) or profile ("profile/<name>") the rules come from. */
  owner: string;
  tier?: string;
  direction: Direction;
  /** Which stage the policy acts in: an Allow in an untracked or pre-DNAT policy means something else. */
  stage: 'normal' | 'untracked' | 'preDNAT';
  rules: RuleIR[];
  /** Log prefix naming the policy (nftables caps prefixes at 127 characters). */
  logPrefix: string;
}

export interface TierIR {
  tier: string;
  defaultAction: 'Deny' | 'Pass';
  policies: string[];
}

export interface StageIR {
  tiers: TierIR[];
}

export interface EndpointIR {
  id: string;
  kind: 'workload' | 'host';
  /** Interface the endpoint's traffic crosses on this node ("*" for every host interface). */
  interface: string;
  ips: string[];
  ingress: StageIR;
  egress: StageIR;
  profiles: string[];
  /** Host endpoints: applyOnForward, untracked and pre-DNAT stages. */
  forward?: { ingress: StageIR; egress: StageIR };
  untracked?: { ingress: StageIR; egress: StageIR };
  preDNAT?: { ingress: StageIR };
}

export interface NodeIR {
  node: string;
  endpoints: EndpointIR[];
  chains: Record<string, PolicyChainIR>;
  ipSets: Record<string, IpSetIR>;
  tupleSets: Record<string, TupleSetIR>;
  felix: {
    failsafeInbound: { protocol: number; port: number; net?: string }[];
    failsafeOutbound: { protocol: number; port: number; net?: string }[];
    defaultEndpointToHostAction: 'Drop' | 'Accept' | 'Return';
  };
}

// Chain and set ids hash policy ids and selectors, over and over for every endpoint: remember them.
const hashes = new Map<string, string>();

/** The first `length` hex digits of the SHA-256 of a text. */
export function shortHash(text: string, length = 10): string {
  let hex = hashes.get(text);
  if (hex === undefined) {
    hex = toHex(sha256(utf8Bytes(text)));
    if (hashes.size >= 200_000) hashes.clear();
    hashes.set(text, hex);
  }
  return hex.slice(0, length);
}

/** The interface name of a workload when the snapshot does not give one: "pal" + a hash of the endpoint id. */
export function workloadInterface(endpoint: Endpoint): string {
  return endpoint.interfaceName ?? `pal${shortHash(endpoint.id, 11)}`;
}

/** Sorted CIDRs with every member covered by another removed (nftables interval sets refuse overlaps). */
export function normalizeCidrs(cidrs: ParsedCidr[]): string[] {
  return CidrSet.of(cidrs).members();
}

/** The endpoints whose policy a node enforces: its workloads and its host endpoints. */
export function localEndpoints(snapshot: Snapshot, node: string): Endpoint[] {
  return [...snapshot.endpoints.values()].filter((e) => e.node === node).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
