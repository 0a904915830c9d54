// Health gates: a cluster is done when every node runs the release, failed when more nodes failed
// or went offline than tolerated; traffic fails when flows allowed before are denied now, or the
// deny rate rose by more than the gate's points, with the offending flows as evidence.
import { describe, expect, it } from 'vitest';
import { judgeAcks, judgeTraffic, type NodeAck, type WindowFlow } from './gates.js';

const node = (name: string, state: NodeAck['state'], release: string | null, attempted = release, error: string | null = null): NodeAck => ({ node: name, state, release, attempted, error });

describe('judgeAcks', () => {
  const strict = { maxApplyErrors: 0, offlineAgentsTolerated: 0 };
  it('is done when every node runs the release, waiting while some do not yet', () => {
    expect(judgeAcks([node('n1', 'applied', 'B'), node('n2', 'applied', 'A')], 'B', strict)).toMatchObject({ acked: 1, total: 2, waiting: ['n2'], done: false, failedReason: undefined });
    expect(judgeAcks([node('n1', 'applied', 'B'), node('n2', 'drifted', 'B')], 'B', strict)).toMatchObject({ acked: 2, done: true });
    expect(judgeAcks([], 'B', strict)).toMatchObject({ done: false, total: 0 });
  });
  it('fails on apply errors and offline nodes beyond what is tolerated', () => {
    const nodes = [node('n1', 'applied', 'B'), node('n2', 'failed', 'A', 'B', 'nft refused'), node('n3', 'offline', 'A')];
    expect(judgeAcks(nodes, 'B', strict).failedReason).toBe('1 node failed to apply the release (at most 0 tolerated): n2: nft refused');
    expect(judgeAcks(nodes, 'B', { maxApplyErrors: 1, offlineAgentsTolerated: 0 }).failedReason).toBe('1 node is offline (at most 0 tolerated): n3');
    expect(judgeAcks(nodes, 'B', { maxApplyErrors: 1, offlineAgentsTolerated: 1 })).toMatchObject({ done: true, acked: 1, failedReason: undefined });
    // A failure on an older release is not this release's failure: still waiting.
    expect(judgeAcks([node('n1', 'failed', 'A', 'A0', 'old')], 'B', strict)).toMatchObject({ failed: [], waiting: ['n1'], done: false });
  });
});

describe('judgeTraffic', () => {
  const flow = (source: string, destination: string, port: number, action: 'Allow' | 'Deny', policy: string, flows = 1): WindowFlow => ({
    source,
    destination,
    protocol: 'TCP',
    port,
    action,
    policy,
    flows,
  });
  const gates = { newlyDeniedFlows: 0, denyRateIncreasePercent: 5 };
  it('passes when what was allowed stays allowed', () => {
    const before = [flow('shop/web', 'shop/api', 8080, 'Allow', 'default/NetworkPolicy/shop/api/0', 10)];
    expect(judgeTraffic(before, before, gates)).toEqual({ ok: true, reasons: [], newlyDenied: [], denyRate: { baseline: 0, soak: 0, increase: 0 } });
  });
  it('does not count a flow its destination denied before as allowed before, though its source reported it allowed', () => {
    // Both ends report: the source's egress allowed it, the destination's ingress denied it.
    const both = [flow('shop/web', 'shop/db', 5432, 'Allow', '__PROFILE__/kns.shop/0', 5), flow('shop/web', 'shop/db', 5432, 'Deny', 'default/NetworkPolicy/shop/db/0', 5)];
    expect(judgeTraffic(both, both, gates)).toMatchObject({ ok: true, newlyDenied: [] });
  });
  it('lists flows allowed before and denied now, with the policies on both sides', () => {
    const before = [flow('shop/web', 'shop/api', 8080, 'Allow', 'default/NetworkPolicy/shop/api/0', 10), flow('shop/web', 'shop/db', 5432, 'Deny', 'default/end-of-tier', 5)];
    const after = [flow('shop/web', 'shop/api', 8080, 'Deny', 'security/GlobalNetworkPolicy/lockdown/0', 9), flow('shop/web', 'shop/db', 5432, 'Deny', 'default/end-of-tier', 5)];
    const verdict = judgeTraffic(before, after, gates);
    expect(verdict.ok).toBe(false);
    expect(verdict.newlyDenied).toEqual([
      { source: 'shop/web', destination: 'shop/api', protocol: 'TCP', port: 8080, deniedBy: 'security/GlobalNetworkPolicy/lockdown/0', allowedBy: 'default/NetworkPolicy/shop/api/0', flows: 9 },
    ]);
    expect(verdict.reasons).toEqual([
      '1 flow that was allowed is denied now (at most 0 tolerated): shop/web -> shop/api TCP/8080 by security/GlobalNetworkPolicy/lockdown/0',
      'the deny rate rose from 33.33% to 100% (66.67 points; at most 5 tolerated)',
    ]);
    expect(judgeTraffic(before, after, { newlyDeniedFlows: 1, denyRateIncreasePercent: 70 }).ok).toBe(true);
  });
});
