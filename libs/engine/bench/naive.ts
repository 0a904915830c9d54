// The baseline the evaluation benchmark compares with: for every flow, walk every policy in
// order, try its selector on the endpoint, then its rules. Same rule matcher, same snapshot; no
// label index, no per-endpoint chains, no port buckets. Workload endpoints only (the synthetic
// cluster has no host endpoints).
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmarks measure the built package, as the agents and the gateway run it
import { ruleMismatch, type CompiledRule, type Endpoint, type Packet, type Peer, type Snapshot } from '@palisade/engine';

type Verdict = 'allow' | 'deny';

function decide(snapshot: Snapshot, rules: CompiledRule[], packet: Packet): 'allow' | 'deny' | 'pass' | undefined {
  for (const rule of rules) {
    if (ruleMismatch(snapshot, rule, packet, false) !== undefined) continue;
    if (rule.action === 'Allow') return 'allow';
    if (rule.action === 'Deny') return 'deny';
    if (rule.action === 'Pass') return 'pass';
  }
  return undefined;
}

function chain(snapshot: Snapshot, endpoint: Endpoint, direction: 'ingress' | 'egress', packet: Packet): Verdict {
  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  let tier: string | undefined;
  let applied = false;
  let passed = false;
  const endOfTier = (): Verdict | undefined => {
    if (applied && !passed) return snapshot.tiers.find((t) => t.name === tier)?.defaultAction === 'Pass' ? undefined : 'deny';
    return undefined;
  };
  for (const policy of snapshot.policies) {
    if (policy.tier !== tier) {
      const verdict = endOfTier();
      if (verdict) return verdict;
      tier = policy.tier;
      applied = false;
      passed = false;
    }
    if (passed || policy.staged || policy.doNotTrack || policy.preDNAT) continue;
    if (!policy.types.includes(type) || !policy.selector.matches(endpoint.labels)) continue;
    applied = true;
    const verdict = decide(snapshot, direction === 'ingress' ? policy.ingress : policy.egress, packet);
    if (verdict === 'pass') passed = true;
    else if (verdict) return verdict;
  }
  const verdict = endOfTier();
  if (verdict) return verdict;
  for (const name of endpoint.profiles) {
    const profile = snapshot.profiles.get(name);
    if (!profile) continue;
    const v = decide(snapshot, direction === 'ingress' ? profile.ingress : profile.egress, packet);
    if (v === 'allow' || v === 'deny') return v;
  }
  return 'deny';
}

/** Whether a TCP/UDP connection between two workloads is allowed, the naive way. */
export function naiveAllowed(snapshot: Snapshot, src: Peer, dst: Peer, protocol: number, port: number): boolean {
  const packet: Packet = { protocol, ipVersion: src.ip.family, src, dst, dstPort: port, srcPort: 40_000 };
  if (!src.endpoint || !dst.endpoint) throw new Error('naive evaluator: workloads only');
  return chain(snapshot, src.endpoint, 'egress', packet) === 'allow' && chain(snapshot, dst.endpoint, 'ingress', packet) === 'allow';
}
