import type { Endpoint, PolicyInfo, Snapshot, TierInfo } from '../snapshot/types.js';
import { ruleMismatch, type Packet } from './match.js';
import { indexesOf } from '../index/snapshot-index.js';

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

export interface ChainResult {
  endpoint: string;
  direction: Direction;
  stage: Stage;
  /** continue: no decision at this stage (untracked, pre-DNAT), the packet goes on to the next. */
  verdict: 'allow' | 'deny' | 'continue';
  decidedBy?: Decision;
  /** Log rules the packet hit on the way. */
  logs: { tier: string; policy: string; rule: number }[];
  trace?: TraceStep[];
}

interface TierGroup {
  tier: TierInfo;
  /** Policies of this tier that apply here, in order. Staged ones appear only in the pending view. */
  policies: PolicyInfo[];
}

const chains = new WeakMap<Snapshot, Map<string, TierGroup[]>>();

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
  let cache = chains.get(snapshot);
  if (!cache) {
    cache = new Map();
    chains.set(snapshot, cache);
  }
  const key = `${endpoint.id}\u0000${direction}\u0000${stage}\u0000${pending ? 1 : 0}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  const replaced = new Set(pending ? snapshot.policies.filter((p) => p.staged).map((p) => p.staged!.replaces) : []);
  const { policies: index, rank } = indexesOf(snapshot);
  // Only policies whose selector can match this endpoint, found through the label index, in evaluation order.
  const selected = [...index.matching(endpoint.labels).values()].sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
  const groups: TierGroup[] = [];
  for (const policy of selected) {
    if (policy.staged ? !pending || policy.staged.action === 'Delete' : pending && replaced.has(policy.id)) continue;
    if (!policy.types.includes(type) || !stageAdmits(policy, endpoint, stage)) continue;
    const last = groups[groups.length - 1];
    if (last && last.tier.name === policy.tier) last.policies.push(policy);
    else groups.push({ tier: snapshot.tiers.find((t) => t.name === policy.tier)!, policies: [policy] });
  }
  cache.set(key, groups);
  return groups;
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
  const groups = chainFor(snapshot, endpoint, direction, stage, options.pending);
  const trace = result.trace;
  const untracked = stage === 'doNotTrack' || stage === 'preDNAT';
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
        if (trace) trace.push({ step: 'rule', tier, policy: policyLabel(policy), rule: rule.index, action: rule.action, matched: mismatch === undefined, ...(mismatch !== undefined ? { reason: mismatch } : {}), ...(policy.staged ? { staged: true } : {}) });
        if (mismatch !== undefined) continue;
        if (rule.action === 'Log') {
          result.logs.push({ tier, policy: policy.id, rule: rule.index });
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
      trace?.push({ step: 'end-of-tier', tier, action: 'Deny', reason: `policies of tier ${tier} apply to ${endpoint.id} for ${direction} and none allowed the packet: the tier's default action is Deny` });
      result.verdict = 'deny';
      result.decidedBy = { kind: 'end-of-tier', tier, action: 'Deny' };
      return true;
    }
    trace?.push({ step: 'end-of-tier', tier, action: 'Pass', reason: untracked ? `no ${stage} rule matched: on to the next stage` : `no rule of tier ${tier} matched and its default action is Pass` });
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
    else if (!policy.selector.matches(endpoint.labels)) reason = `selector ${policy.written.selector ?? 'all()'}${policy.namespace ? ` (in namespace ${policy.namespace})` : policy.written.namespaceSelector ? ` with namespaceSelector ${policy.written.namespaceSelector}` : ''} does not match ${endpoint.id}`;
    else continue;
    trace.push({ step: 'policy', tier: group.tier.name, policy: policyLabel(policy), applies: false, reason });
  }
}
