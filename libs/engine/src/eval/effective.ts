import type { CompiledEntity, CompiledRule, Endpoint, PolicyInfo } from '../snapshot/types.js';
import { chainFor, type Direction } from './chain.js';
import { protocolName } from './match.js';
import type { Snapshot } from './snapshot.js';

/** One rule as a reader sees it: its action and what it matches, in the words it was written. */
export interface EffectiveRule {
  index: number;
  action: string;
  /** "TCP to ports 80,443 from selector app == 'web'": every match field, as written. */
  matches: string;
}

export interface EffectivePolicyEntry {
  /** The policy's key ("Type/namespace/name" or "Type/name"), which is also its resource's key. */
  id: string;
  type: string;
  name: string;
  namespace?: string;
  order?: number;
  /** A staged policy: it only shows in the pending view. */
  staged: boolean;
  rules: EffectiveRule[];
}

export interface EffectiveTier {
  tier: string;
  order?: number;
  /** What happens to a packet no policy of this tier decided. */
  endOfTier: 'Deny' | 'Pass';
  policies: EffectivePolicyEntry[];
}

/** The policy that applies to one endpoint, per direction, in the order Calico evaluates it. */
export interface EffectivePolicy {
  endpoint: Endpoint;
  ingress: EffectiveTier[];
  egress: EffectiveTier[];
  /** When a staged policy applies: the same, as if every staged policy were in force. */
  pending?: { ingress: EffectiveTier[]; egress: EffectiveTier[] };
  /** Profiles decide what no tier did (Kubernetes namespaces and service accounts). */
  profiles: string[];
}

function entity(e: CompiledEntity): string[] {
  const w = e.written;
  const parts: string[] = [];
  if (w.selector) parts.push(`selector ${w.selector}`);
  if (w.notSelector) parts.push(`not selector ${w.notSelector}`);
  if (w.namespaceSelector) parts.push(`namespaceSelector ${w.namespaceSelector}`);
  if (w.serviceAccounts) parts.push(`serviceAccounts ${w.serviceAccounts}`);
  if (e.nets?.length) parts.push(`nets ${e.nets.map((n) => n.text).join(',')}`);
  if (e.notNets?.length) parts.push(`not nets ${e.notNets.map((n) => n.text).join(',')}`);
  if (e.services) parts.push(`service ${e.services.namespace}/${e.services.name}`);
  if (w.ports) parts.push(`ports ${w.ports}`);
  if (w.notPorts) parts.push(`not ports ${w.notPorts}`);
  return parts;
}

/** A rule in one line: protocol, then what the source and destination must be. */
export function describeRule(rule: CompiledRule): string {
  const parts: string[] = [];
  if (rule.ipVersion) parts.push(`IPv${rule.ipVersion}`);
  if (rule.protocol !== undefined) parts.push(protocolName(rule.protocol));
  if (rule.notProtocol !== undefined) parts.push(`not ${protocolName(rule.notProtocol)}`);
  if (rule.icmp) parts.push(`icmp type ${rule.icmp.type ?? 'any'}${rule.icmp.code !== undefined ? ` code ${rule.icmp.code}` : ''}`);
  const source = entity(rule.source);
  const destination = entity(rule.destination);
  if (source.length) parts.push(`from ${source.join(' and ')}`);
  if (destination.length) parts.push(`to ${destination.join(' and ')}`);
  if (rule.http) parts.push('with HTTP match');
  return parts.join(' ') || 'all traffic';
}

function entry(policy: PolicyInfo, direction: Direction): EffectivePolicyEntry {
  return {
    id: policy.id,
    type: policy.type,
    name: policy.name,
    ...(policy.namespace !== undefined ? { namespace: policy.namespace } : {}),
    ...(policy.order !== undefined ? { order: policy.order } : {}),
    staged: policy.staged !== undefined,
    rules: (direction === 'ingress' ? policy.ingress : policy.egress).map((r) => ({ index: r.index, action: r.action, matches: describeRule(r) })),
  };
}

function tiers(snapshot: Snapshot, endpoint: Endpoint, direction: Direction, pending: boolean): EffectiveTier[] {
  return chainFor(snapshot, endpoint, direction, 'normal', pending).map((group) => ({
    tier: group.tier.name,
    ...(group.tier.order !== undefined ? { order: group.tier.order } : {}),
    endOfTier: group.tier.defaultAction,
    policies: group.policies.map((p) => entry(p, direction)),
  }));
}

/**
 * Which tiers, policies and rules apply to an endpoint, as the evaluator walks them (the same
 * chain, so what this shows is what decides). Undefined for an endpoint the state does not hold.
 */
export function effectivePolicy(snapshot: Snapshot, endpointId: string): EffectivePolicy | undefined {
  const endpoint = snapshot.endpoints.get(endpointId);
  if (!endpoint) return undefined;
  const result: EffectivePolicy = {
    endpoint,
    ingress: tiers(snapshot, endpoint, 'ingress', false),
    egress: tiers(snapshot, endpoint, 'egress', false),
    profiles: endpoint.profiles,
  };
  if (snapshot.indexes.staged > 0) result.pending = { ingress: tiers(snapshot, endpoint, 'ingress', true), egress: tiers(snapshot, endpoint, 'egress', true) };
  return result;
}
