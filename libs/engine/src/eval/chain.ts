import type { CompiledRule, Endpoint, PolicyInfo, TierInfo } from '../snapshot/types.js';
import type { Snapshot } from './snapshot.js';
import { ruleMismatch, type Packet } from './match.js';

export type Direction = 'ingress' | 'egress';
/** normal: policy of the endpoint itself; forward: applyOnForward (host endpoints); the untracked and pre-DNAT stages of host endpoints. */
export type Stage = 'normal' | 'forward' | 'doNotTrack' | 'preDNAT';

export type Decision =
  | { kind: 'rule'; tier: string; policy: string; rule: number; action: 'Allow' | 'Deny' }
  | { kind: 'end-of-tier'; tier: string; action: 'Deny' }
  | { kind: 'profile'; profile: string; rule: number; action: 'Allow' | 'Deny' }
  | { kind: 'no-profile' }
  | { kind: 'no-policy'; note: string }
  | { kind: 'failsafe'; protocol: number; port: number }
  | { kind: 'endpoint-to-host'; action: 'Drop' | 'Accept' }
  | { kind: 'host-to-local-workload' };

export type TraceStep =
  | { step: 'stage'; endpoint: string; direction: Direction; stage: Stage }
  | { step: 'tier'; tier: string; applies: false; reason: string }
  | { step: 'tier'; tier: string; applies: true; policies: string[] }
  | { step: 'policy'; tier: string; policy: string; applies: false; reason: string }
  | { step: 'rule'; tier: string; policy: string; rule: number; action: string; matched: boolean; reason?: string; staged?: boolean }
  | { step: 'end-of-tier'; tier: string; action: 'Deny' | 'Pass'; reason: string }
  | { step: 'profile'; profile: string; rule?: number; action?: string; matched: boolean; reason?: string }
  | { step: 'verdict'; verdict: 'allow' | 'deny' | 'continue'; reason: string };

export interface LogHit {
  tier: string;
  policy: string;
  rule: number;
}

/** Most packets hit no Log rule: their results share one empty list rather than allocate one each. */
export const NO_LOGS: readonly LogHit[] = Object.freeze([]);

function logHit(result: ChainResult, hit: LogHit): void {
  result.logs = result.logs === NO_LOGS ? [hit] : [...result.logs, hit];
}

export interface ChainResult {
  endpoint: string;
  direction: Direction;
  stage: Stage;
  /** continue: no decision at this stage (untracked, pre-DNAT), the packet goes on to the next. */
  verdict: 'allow' | 'deny' | 'continue';
  decidedBy?: Decision;
  /** Log rules the packet hit on the way (shared and empty until one is hit: do not modify). */
  logs: readonly LogHit[];
  trace?: TraceStep[];
}

interface TierGroup {
  tier: TierInfo;
  /** Policies of this tier that apply here, in order. Staged ones appear only in the pending view. */
  policies: PolicyInfo[];
}

/** One rule of a tier group, flattened in evaluation order. */
interface Entry {
  policy: PolicyInfo;
  rule: CompiledRule;
  /** What the rule decides, made once (results share it: treat as read-only). */
  decision?: Decision;
}

/**
 * One tier's policies for one direction, flattened, with the rules bucketed by protocol and
 * destination port. A packet is only tested against the rules that could match its protocol and
 * port (skipping the others changes nothing: they could not match), so a lookup costs about the
 * same with 10 or 1,000 applicable policies, as the nftables sets and maps do in the kernel.
 * Endpoints to which the same policies apply share one group: a thousand global policies that
 * select every backend are compiled once, not once per backend.
 */
export interface CompiledGroup extends TierGroup {
  entries: Entry[];
  /** Entries that any packet may match (no protocol, notProtocol, named ports ...). */
  any: number[];
  /** Entries of a protocol whose destination port is not a short numeric list. */
  byProtocol: Map<number, number[]>;
  /** Entries of a protocol and one destination port. */
  byPort: Map<number, Map<number, number[]>>;
  candidates: Map<number, number[]>;
}

/** An endpoint's chain for one direction and stage: its tier groups in order. */
export interface CompiledChain {
  groups: CompiledGroup[];
}

/** Port ranges longer than this are not expanded into the port buckets. */
const EXPAND_LIMIT = 256;

function compileGroup(tier: TierInfo, policies: PolicyInfo[], direction: Direction): CompiledGroup {
  const group: CompiledGroup = { tier, policies, entries: [], any: [], byProtocol: new Map(), byPort: new Map(), candidates: new Map() };
  for (const policy of policies) {
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      const action = rule.action;
      const decision: Decision | undefined = action === 'Allow' || action === 'Deny' ? { kind: 'rule', tier: tier.name, policy: policy.id, rule: rule.index, action } : undefined;
      const index = group.entries.push(decision ? { policy, rule, decision } : { policy, rule }) - 1;
      const protocol = rule.protocol;
      if (protocol === undefined) {
        group.any.push(index);
        continue;
      }
      const ports = rule.destination.ports;
      const numeric = ports?.every((p) => 'min' in p && p.max - p.min < EXPAND_LIMIT) ?? false;
      if (!ports || !numeric || rule.destination.notPorts || rule.destination.services) {
        push(group.byProtocol, protocol, index);
        continue;
      }
      let byPort = group.byPort.get(protocol);
      if (!byPort) group.byPort.set(protocol, (byPort = new Map()));
      for (const p of ports as { min: number; max: number }[]) for (let port = p.min; port <= p.max; port++) push(byPort, port, index);
    }
  }
  return group;
}

/** Policies get a serial number per object, so a group's key changes when any of its policies does. */
const serials = new WeakMap<PolicyInfo, number>();
let nextSerial = 0;
const serialOf = (policy: PolicyInfo): number => {
  let serial = serials.get(policy);
  if (serial === undefined) serials.set(policy, (serial = nextSerial++));
  return serial;
};

function sharedGroup(snapshot: Snapshot, tier: TierInfo, policies: PolicyInfo[], direction: Direction): CompiledGroup {
  const caches = snapshot.evaluation;
  const key = `${direction[0]}${tier.name}\u0000${policies.map(serialOf).join(',')}`;
  let group = caches.group(key);
  if (!group) {
    group = compileGroup(tier, policies, direction);
    caches.rememberGroup(
      key,
      group,
      policies.map((p) => p.id),
    );
  }
  return group;
}

function push<K>(map: Map<K, number[]>, key: K, index: number): void {
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== index) list.push(index);
  } else map.set(key, [index]);
}

/** The entries a packet of this protocol and destination port could match, in order. */
function candidatesOf(chain: CompiledGroup, protocol: number, port: number | undefined): number[] {
  const key = protocol * 65536 + (port ?? 0);
  let list = chain.candidates.get(key);
  if (list) return list;
  const parts = [chain.any, chain.byProtocol.get(protocol) ?? [], port === undefined ? [] : (chain.byPort.get(protocol)?.get(port) ?? [])].filter((p) => p.length);
  list = parts.length === 1 ? parts[0]! : [...new Set(parts.flat())].sort((a, b) => a - b);
  chain.candidates.set(key, list);
  return list;
}

function stageAdmits(policy: PolicyInfo, endpoint: Endpoint, stage: Stage): boolean {
  // doNotTrack and preDNAT only mean something on host endpoints; Felix ignores such policy for workloads.
  if (endpoint.kind === 'workload') return stage === 'normal' && !policy.doNotTrack && !policy.preDNAT;
  switch (stage) {
    case 'normal':
      return !policy.doNotTrack && !policy.preDNAT;
    case 'forward':
      return policy.applyOnForward && !policy.doNotTrack && !policy.preDNAT;
    case 'doNotTrack':
      return policy.doNotTrack;
    case 'preDNAT':
      return policy.preDNAT;
  }
}

/**
 * The policies that apply to one endpoint, direction and stage, grouped by tier in evaluation
 * order: computed once per snapshot and reused for every flow. `pending` swaps each staged policy
 * in for the policy it would replace (and drops what a staged Delete removes).
 */
export function chainFor(snapshot: Snapshot, endpoint: Endpoint, direction: Direction, stage: Stage, pending: boolean): TierGroup[] {
  return compiledChainFor(snapshot, endpoint, direction, stage, pending).groups;
}

const STAGES: Record<Stage, number> = { normal: 0, forward: 1, doNotTrack: 2, preDNAT: 3 };

const canonical = new WeakMap<object, string>();
function canonicalLabels(endpoint: Endpoint): string {
  let text = canonical.get(endpoint.labels);
  if (text === undefined) {
    text = Object.keys(endpoint.labels)
      .sort()
      .map((k) => `${k}\u0000${endpoint.labels[k]}`)
      .join('\u0000');
    canonical.set(endpoint.labels, text);
  }
  return text;
}

export function compiledChainFor(snapshot: Snapshot, endpoint: Endpoint, direction: Direction, stage: Stage, pending: boolean): CompiledChain {
  const caches = snapshot.evaluation;
  const cache = caches.chainsOf(endpoint);
  const key = (direction === 'ingress' ? 0 : 8) + STAGES[stage] * 2 + (pending ? 1 : 0);
  const cached = cache[key];
  if (cached) return cached;
  // Which policies apply depends only on the endpoint's labels and kind: replicas share the answer.
  const labelsKey = `${key}\u0001${endpoint.kind}\u0001${canonicalLabels(endpoint)}`;
  const shared = caches.chainsByLabels.get(labelsKey);
  if (shared) return (cache[key] = shared);
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  const replaced = new Set(pending ? snapshot.policies.filter((p) => p.staged).map((p) => p.staged!.replaces) : []);
  const { policies: index, rank } = snapshot.indexes;
  // Only policies whose selector can match this endpoint, found through the label index, in evaluation order.
  const ranked = [...index.matching(endpoint.labels).values()].map((p) => ({ rank: rank.get(p.id)!, p }));
  const selected = ranked.sort((a, b) => a.rank - b.rank).map((r) => r.p);
  const tiers: { tier: TierInfo; policies: PolicyInfo[] }[] = [];
  for (const policy of selected) {
    if (policy.staged ? !pending || policy.staged.action === 'Delete' : pending && replaced.has(policy.id)) continue;
    if (!policy.types.includes(type) || !stageAdmits(policy, endpoint, stage)) continue;
    const last = tiers[tiers.length - 1];
    if (last && last.tier.name === policy.tier) last.policies.push(policy);
    else tiers.push({ tier: snapshot.tiers.find((t) => t.name === policy.tier)!, policies: [policy] });
  }
  const chain: CompiledChain = { groups: tiers.map((t) => sharedGroup(snapshot, t.tier, t.policies, direction)) };
  cache[key] = chain;
  caches.chainsByLabels.set(labelsKey, chain);
  return chain;
}

function policyLabel(p: PolicyInfo): string {
  return p.namespace ? `${p.type} ${p.namespace}/${p.name}` : `${p.type} ${p.name}`;
}

export interface ChainOptions {
  explain: boolean;
  pending: boolean;
}

/**
 * Walks one endpoint's tiers for one packet, exactly as Calico's chains do: in each tier that has
 * a policy for this endpoint, policies in order and rules in order; Allow and Deny end it, Log
 * goes on, Pass jumps to the next tier; a tier where nothing decided applies its default action.
 * Returns undefined when no tier decided, so the caller applies what follows (profiles, defaults).
 */
export function walkTiers(snapshot: Snapshot, endpoint: Endpoint, direction: Direction, stage: Stage, packet: Packet, options: ChainOptions, result: ChainResult): boolean {
  const chain = compiledChainFor(snapshot, endpoint, direction, stage, options.pending);
  const trace = result.trace;
  const untracked = stage === 'doNotTrack' || stage === 'preDNAT';
  if (!trace) return walkCandidates(snapshot, chain, packet, untracked, result);
  const groups = chain.groups;
  for (const group of groups) {
    const tier = group.tier.name;
    if (trace) {
      trace.push({ step: 'tier', tier, applies: true, policies: group.policies.map(policyLabel) });
      explainSkippedPolicies(snapshot, endpoint, direction, stage, group, options.pending, trace);
    }
    let passed = false;
    policies: for (const policy of group.policies) {
      const rules = direction === 'ingress' ? policy.ingress : policy.egress;
      for (const rule of rules) {
        const mismatch = ruleMismatch(snapshot, rule, packet, trace !== undefined);
        if (trace)
          trace.push({
            step: 'rule',
            tier,
            policy: policyLabel(policy),
            rule: rule.index,
            action: rule.action,
            matched: mismatch === undefined,
            ...(mismatch !== undefined ? { reason: mismatch } : {}),
            ...(policy.staged ? { staged: true } : {}),
          });
        if (mismatch !== undefined) continue;
        if (rule.action === 'Log') {
          logHit(result, { tier, policy: policy.id, rule: rule.index });
          continue;
        }
        if (rule.action === 'Pass') {
          passed = true;
          break policies;
        }
        result.verdict = rule.action === 'Allow' ? 'allow' : 'deny';
        result.decidedBy = { kind: 'rule', tier, policy: policy.id, rule: rule.index, action: rule.action };
        return true;
      }
    }
    if (passed) continue;
    // No policy decided. Untracked and pre-DNAT stages never drop at the end of a tier.
    if (!untracked && group.tier.defaultAction === 'Deny') {
      trace?.push({
        step: 'end-of-tier',
        tier,
        action: 'Deny',
        reason: `policies of tier ${tier} apply to ${endpoint.id} for ${direction} and none allowed the packet: the tier's default action is Deny`,
      });
      result.verdict = 'deny';
      result.decidedBy = { kind: 'end-of-tier', tier, action: 'Deny' };
      return true;
    }
    trace?.push({ step: 'end-of-tier', tier, action: 'Pass', reason: untracked ? `no ${stage} rule matched: on to the next stage` : `no rule of tier ${tier} matched and its default action is Pass` });
  }
  return false;
}

/** The fast path: only the rules that could match this packet's protocol and port, same semantics. */
function walkCandidates(snapshot: Snapshot, chain: CompiledChain, packet: Packet, untracked: boolean, result: ChainResult): boolean {
  for (const group of chain.groups) {
    const candidates = candidatesOf(group, packet.protocol, packet.dstPort);
    let passed = false;
    for (let i = 0; i < candidates.length; i++) {
      const entry = group.entries[candidates[i]!]!;
      if (ruleMismatch(snapshot, entry.rule, packet, false) !== undefined) continue;
      const action = entry.rule.action;
      if (action === 'Log') {
        logHit(result, { tier: group.tier.name, policy: entry.policy.id, rule: entry.rule.index });
        continue;
      }
      if (action === 'Pass') {
        passed = true;
        break;
      }
      result.verdict = action === 'Allow' ? 'allow' : 'deny';
      result.decidedBy = entry.decision!;
      return true;
    }
    if (passed) continue;
    if (!untracked && group.tier.defaultAction === 'Deny') {
      result.verdict = 'deny';
      result.decidedBy = { kind: 'end-of-tier', tier: group.tier.name, action: 'Deny' };
      return true;
    }
  }
  return false;
}

/** In explain mode, why the other policies of a participating tier did not apply (up to 20 of them). */
function explainSkippedPolicies(snapshot: Snapshot, endpoint: Endpoint, direction: Direction, stage: Stage, group: TierGroup, pending: boolean, trace: TraceStep[]): void {
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  let shown = 0;
  for (const policy of snapshot.policies) {
    if (policy.tier !== group.tier.name || group.policies.includes(policy) || (policy.staged && !pending)) continue;
    if (shown++ >= 20) break;
    let reason: string;
    if (!policy.types.includes(type)) reason = `types [${policy.types.join(', ')}] do not include ${type}`;
    else if (!stageAdmits(policy, endpoint, stage)) reason = `it is a ${policy.doNotTrack ? 'doNotTrack' : policy.preDNAT ? 'preDNAT' : 'non-forward'} policy, not part of the ${stage} stage`;
    else if (!policy.selector.matches(endpoint.labels))
      reason = `selector ${policy.written.selector ?? 'all()'}${policy.namespace ? ` (in namespace ${policy.namespace})` : policy.written.namespaceSelector ? ` with namespaceSelector ${policy.written.namespaceSelector}` : ''} does not match ${endpoint.id}`;
    else continue;
    trace.push({ step: 'policy', tier: group.tier.name, policy: policyLabel(policy), applies: false, reason });
  }
}
