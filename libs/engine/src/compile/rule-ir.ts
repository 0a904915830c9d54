import type { Direction } from '../eval/chain.js';
import type { Selector } from '../selector/selector.js';
import type { CompiledEntity, CompiledRule, PolicyInfo, ProfileInfo } from '../snapshot/types.js';
import { normalizeCidrs, shortHash, type Family, type MatchIR, type PolicyChainIR, type RuleIR } from './ir.js';

/** The sets rules refer to, made (or shared) by the node compiler that owns them. */
export interface RuleSets {
  /** A selector's addresses: its endpoints' IPs and its network sets' nets. */
  selectorSet(selector: Selector): Partial<Record<Family, string>>;
  /** Named ports resolved on the endpoints that have them. */
  namedPortSet(names: string[], protocol: number | undefined, selector: Selector | undefined): Partial<Record<Family, string>>;
  serviceMatch(key: string, side: 'source' | 'destination'): Pick<MatchIR, 'service' | 'serviceAddresses'>;
}

export const policyChainId = (policyId: string, direction: Direction): string => `p${direction === 'ingress' ? 'i' : 'e'}-${shortHash(policyId)}`;
export const profileChainId = (profile: string, direction: Direction): string => `r${direction === 'ingress' ? 'i' : 'e'}-${shortHash(profile)}`;

export function matchIR(sets: RuleSets, entity: CompiledEntity, protocol: number | undefined, side: 'source' | 'destination'): MatchIR {
  const out: MatchIR = {};
  if (entity.nets) out.nets = normalizeCidrs(entity.nets);
  if (entity.notNets) out.notNets = normalizeCidrs(entity.notNets);
  if (entity.selector) out.selector = sets.selectorSet(entity.selector);
  if (entity.notSelector) out.notSelector = sets.selectorSet(entity.notSelector);
  const split = (list: CompiledEntity['ports']) => ({
    numbers: (list ?? []).filter((p): p is { min: number; max: number } => 'min' in p),
    names: (list ?? []).filter((p): p is { name: string } => 'name' in p).map((p) => p.name),
  });
  const ports = split(entity.ports);
  const notPorts = split(entity.notPorts);
  if (ports.numbers.length) out.ports = ports.numbers;
  if (ports.names.length) out.namedPorts = sets.namedPortSet(ports.names, protocol, entity.selector);
  if (notPorts.numbers.length) out.notPorts = notPorts.numbers;
  if (notPorts.names.length) out.notNamedPorts = sets.namedPortSet(notPorts.names, protocol, entity.selector);
  if (entity.services) Object.assign(out, sets.serviceMatch(`${entity.services.namespace}/${entity.services.name}`, side));
  return out;
}

export function ruleIR(sets: RuleSets, rule: CompiledRule): RuleIR {
  return {
    index: rule.index,
    action: rule.action,
    ...(rule.ipVersion !== undefined ? { ipVersion: rule.ipVersion } : {}),
    ...(rule.protocol !== undefined ? { protocol: rule.protocol } : {}),
    ...(rule.notProtocol !== undefined ? { notProtocol: rule.notProtocol } : {}),
    ...(rule.icmp ? { icmp: rule.icmp } : {}),
    ...(rule.notIcmp ? { notIcmp: rule.notIcmp } : {}),
    src: matchIR(sets, rule.source, rule.protocol, 'source'),
    dst: matchIR(sets, rule.destination, rule.protocol, 'destination'),
  };
}

export function policyChainIR(sets: RuleSets, policy: PolicyInfo, direction: Direction): PolicyChainIR {
  const label = `${policy.tier}/${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
  return {
    id: policyChainId(policy.id, direction),
    owner: policy.id,
    tier: policy.tier,
    direction,
    stage: policy.doNotTrack ? 'untracked' : policy.preDNAT ? 'preDNAT' : 'normal',
    rules: (direction === 'ingress' ? policy.ingress : policy.egress).map((r) => ruleIR(sets, r)),
    logPrefix: `calico-packet: ${label} `.slice(0, 120),
  };
}

export function profileChainIR(sets: RuleSets, profile: ProfileInfo, direction: Direction): PolicyChainIR {
  return {
    id: profileChainId(profile.name, direction),
    owner: `profile/${profile.name}`,
    direction,
    stage: 'normal',
    rules: (direction === 'ingress' ? profile.ingress : profile.egress).map((r) => ruleIR(sets, r)),
    logPrefix: `calico-packet: profile/${profile.name} `.slice(0, 120),
  };
}
