import { describe, expect, it } from 'vitest';
import { effectivePolicy } from './effective.js';
import { evaluateFlow } from './flow.js';
import { namespace, pod, snapshotOf } from './test-support/snapshots.js';

const state = () =>
  snapshotOf(
    namespace('shop'),
    pod('shop', 'web', '10.0.1.1', { app: 'web' }),
    pod('shop', 'db', '10.0.1.2', { app: 'db' }),
    `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}`,
    `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.block-telnet}
spec:
  tier: security
  order: 10
  selector: all()
  types: [Ingress]
  ingress:
  - {action: Deny, protocol: TCP, destination: {ports: [23]}}
  - {action: Pass}`,
    `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'web'}
    destination: {ports: [5432]}`,
    `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: db-lockdown, namespace: shop}
spec:
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Deny`,
  );

describe('effective policy of an endpoint', () => {
  it('lists tiers in order with the policies and rules that apply, as the evaluator walks them', () => {
    const effective = effectivePolicy(state(), 'shop/db')!;
    expect(effective.ingress.map((t) => [t.tier, t.endOfTier, t.policies.map((p) => p.id)])).toEqual([
      ['security', 'Deny', ['GlobalNetworkPolicy/security.block-telnet']],
      ['default', 'Deny', ['NetworkPolicy/shop/db-from-web']],
    ]);
    expect(effective.ingress[0]!.policies[0]!.rules).toEqual([
      { index: 0, action: 'Deny', matches: 'TCP to ports 23' },
      { index: 1, action: 'Pass', matches: 'all traffic' },
    ]);
    expect(effective.ingress[1]!.policies[0]!.rules[0]!.matches).toContain("from selector app == 'web'");
    // db-from-web has no egress rules and selects db for egress too (types default from its rules: Ingress only).
    expect(effective.egress.flatMap((t) => t.policies.map((p) => p.id))).toEqual([]);
  });

  it('shows the staged policy only in the pending view, in place of nothing it replaces', () => {
    const snapshot = state();
    const effective = effectivePolicy(snapshot, 'shop/db')!;
    expect(effective.pending!.ingress.flatMap((t) => t.policies.map((p) => `${p.id}${p.staged ? ' (staged)' : ''}`))).toEqual([
      'GlobalNetworkPolicy/security.block-telnet',
      'NetworkPolicy/shop/db-from-web',
      'StagedNetworkPolicy/shop/db-lockdown (staged)',
    ]);
    // What it shows agrees with what decides: web → db:5432 is allowed by db-from-web's rule 0.
    const flow = evaluateFlow(snapshot, { from: 'shop/web', to: 'shop/db', protocol: 'TCP', port: 5432 });
    expect(flow.ingress?.decidedBy).toMatchObject({ policy: 'NetworkPolicy/shop/db-from-web', rule: 0 });
  });

  it('is undefined for an endpoint the state does not hold', () => {
    expect(effectivePolicy(state(), 'shop/nope')).toBeUndefined();
  });
});
