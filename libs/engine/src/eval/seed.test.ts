// Every example of the seed guide ("Get started with Calico network policy"), applied to a small
// snapshot, behaves as the guide describes, with Calico's semantics where the guide is loose.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../parse/documents.js';
import { evaluateFlow, type FlowSpec } from './flow.js';
import { namespace, node, pod, snapshotOf } from './test-support/snapshots.js';

const seed = parseDocuments(readFileSync(new URL('../../fixtures/seed-policies.yaml', import.meta.url), 'utf8'));
const seedDoc = (name: string): string => {
  const doc = seed.documents.find((d) => d.name === name);
  if (!doc?.resource) throw new Error(`no seed policy ${name}`);
  return JSON.stringify(doc.resource);
};

const cluster = [
  namespace('production', { shape: 'circle' }),
  namespace('staging', { shape: 'square' }),
  pod('production', 'red', '10.0.1.1', { color: 'red', role: 'database' }),
  pod('production', 'blue', '10.0.1.2', { color: 'blue', role: 'frontend' }),
  pod('production', 'green', '10.0.1.3', { color: 'green' }),
  pod('staging', 'blue', '10.0.2.2', { color: 'blue' }),
  pod('staging', 'red', '10.0.2.1', { color: 'red' }),
];

const tcp = (from: string, to: string, port: number): FlowSpec => ({ from, to, protocol: 'TCP', port });
const verdict = (snapshot: ReturnType<typeof snapshotOf>, flow: FlowSpec) => {
  const r = evaluateFlow(snapshot, flow);
  return { allowed: r.allowed, by: r.deniedAt?.decidedBy ?? r.ingress?.decidedBy };
};

describe('seed: control traffic to/from endpoints in a namespace', () => {
  const snapshot = snapshotOf(...cluster, seedDoc('allow-tcp-6379'));
  it('allows blue → red on TCP 6379 in production', () => {
    expect(verdict(snapshot, tcp('production/blue', 'production/red', 6379))).toEqual({
      allowed: true,
      by: { kind: 'rule', tier: 'default', policy: 'NetworkPolicy/production/allow-tcp-6379', rule: 0, action: 'Allow' },
    });
  });
  it('denies other ports, other colours, and blue pods of other namespaces (end of tier)', () => {
    for (const flow of [tcp('production/blue', 'production/red', 80), tcp('production/green', 'production/red', 6379), tcp('staging/blue', 'production/red', 6379)]) {
      expect(verdict(snapshot, flow)).toEqual({ allowed: false, by: { kind: 'end-of-tier', tier: 'default', action: 'Deny' } });
    }
  });
  it('leaves pods it does not select alone (no policy: allow)', () => {
    expect(verdict(snapshot, tcp('production/red', 'production/green', 80)).allowed).toBe(true);
  });
});

describe('seed: namespaceSelector', () => {
  const snapshot = snapshotOf(...cluster, seedDoc('allow-tcp-6379-circle'));
  it('allows blue from namespaces with shape circle, not from others', () => {
    expect(verdict(snapshot, tcp('production/blue', 'production/red', 6379)).allowed).toBe(true);
    expect(verdict(snapshot, tcp('staging/blue', 'production/red', 6379)).allowed).toBe(false);
  });
});

describe('seed: GlobalNetworkPolicy deny-blue', () => {
  const snapshot = snapshotOf(...cluster, seedDoc('deny-blue'));
  it('denies TCP from blue to red in every namespace, by the Deny rule', () => {
    for (const [from, to] of [
      ['production/blue', 'production/red'],
      ['staging/blue', 'production/red'],
      ['production/blue', 'staging/red'],
    ]) {
      expect(verdict(snapshot, tcp(from!, to!, 443)).by).toEqual({ kind: 'rule', tier: 'default', policy: 'GlobalNetworkPolicy/deny-blue', rule: 0, action: 'Deny' });
    }
  });
  it('as Calico does, also denies all other ingress to red at the end of the tier (the policy allows nothing)', () => {
    expect(verdict(snapshot, tcp('production/green', 'production/red', 443))).toEqual({ allowed: false, by: { kind: 'end-of-tier', tier: 'default', action: 'Deny' } });
  });
  it('with deny-circle-blue, denies blue only from namespaces with shape circle', () => {
    const scoped = snapshotOf(...cluster, seedDoc('deny-circle-blue'));
    expect(verdict(scoped, tcp('production/blue', 'production/red', 443)).by).toMatchObject({ kind: 'rule', action: 'Deny' });
    expect(verdict(scoped, tcp('staging/blue', 'production/red', 443)).by).toMatchObject({ kind: 'end-of-tier' });
  });
});

describe('seed: egress to a CIDR', () => {
  const snapshot = snapshotOf(...cluster, seedDoc('allow-egress-external'));
  it('applies the Deny to 1.2.3.0/24 to red pods of production, and (end of tier) their other egress', () => {
    expect(evaluateFlow(snapshot, tcp('production/red', '1.2.3.4', 443)).egress?.decidedBy).toEqual({
      kind: 'rule',
      tier: 'default',
      policy: 'NetworkPolicy/production/allow-egress-external',
      rule: 0,
      action: 'Deny',
    });
    expect(evaluateFlow(snapshot, tcp('production/red', '8.8.8.8', 443)).egress?.decidedBy).toEqual({ kind: 'end-of-tier', tier: 'default', action: 'Deny' });
    expect(evaluateFlow(snapshot, tcp('staging/red', '1.2.3.4', 443)).allowed).toBe(true);
  });
});

describe('seed: policy order', () => {
  const snapshot = snapshotOf(...cluster, seedDoc('drop-other-ingress'), seedDoc('allow-cluster-internal-ingress'));
  it('evaluates order 10 before order 20: cluster-internal sources are allowed, others dropped', () => {
    expect(verdict(snapshot, tcp('production/blue', 'production/red', 80)).by).toEqual({
      kind: 'rule',
      tier: 'default',
      policy: 'GlobalNetworkPolicy/allow-cluster-internal-ingress',
      rule: 0,
      action: 'Allow',
    });
    expect(verdict(snapshot, tcp('192.168.7.7', 'production/red', 80)).by).toEqual({ kind: 'rule', tier: 'default', policy: 'GlobalNetworkPolicy/drop-other-ingress', rule: 0, action: 'Deny' });
    const trace = evaluateFlow(snapshot, tcp('192.168.7.7', 'production/red', 80), { explain: true }).ingress!.trace!;
    const rules = trace.filter((t) => t.step === 'rule').map((t) => (t.step === 'rule' ? `${t.policy}#${t.rule} ${t.matched}` : ''));
    expect(rules).toEqual(['GlobalNetworkPolicy allow-cluster-internal-ingress#0 false', 'GlobalNetworkPolicy drop-other-ingress#0 true']);
  });
});

describe('seed: generate logs for specific traffic', () => {
  const snapshot = snapshotOf(...cluster, seedDoc('log-and-deny-frontend'));
  it('logs then denies TCP from frontend to the database', () => {
    const r = evaluateFlow(snapshot, tcp('production/blue', 'production/red', 5432));
    expect(r.allowed).toBe(false);
    expect(r.ingress?.logs).toEqual([{ tier: 'default', policy: 'NetworkPolicy/production/log-and-deny-frontend', rule: 0 }]);
    expect(r.ingress?.decidedBy).toMatchObject({ kind: 'rule', rule: 1, action: 'Deny' });
  });
  it('Log alone decides nothing: other traffic meets the end of the tier (types Ingress and Egress, no egress rules)', () => {
    expect(evaluateFlow(snapshot, tcp('production/red', 'production/green', 80)).egress?.decidedBy).toEqual({ kind: 'end-of-tier', tier: 'default', action: 'Deny' });
  });
});

describe('seed: default allow for pods, default deny for host endpoints', () => {
  const hep = `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata:\n  name: node-2-eth0\n  labels: {role: k8s-worker}\nspec:\n  node: node-2\n  interfaceName: eth0\n  expectedIPs: [192.168.0.2]\n`;
  const snapshot = snapshotOf(...cluster, node('node-1', '192.168.0.1'), node('node-2', '192.168.0.2'), hep);
  it('lets pods with no applicable policy talk freely (the namespace profile allows)', () => {
    const r = evaluateFlow(snapshot, tcp('production/blue', 'staging/red', 80));
    expect(r.allowed).toBe(true);
    expect(r.ingress?.decidedBy).toEqual({ kind: 'profile', profile: 'kns.staging', rule: 0, action: 'Allow' });
  });
  it('denies traffic to a host endpoint with no policy, except failsafe ports', () => {
    expect(evaluateFlow(snapshot, tcp('10.9.9.9', 'hep:node-2/node-2-eth0', 8080)).deniedAt?.decidedBy).toEqual({ kind: 'no-profile' });
    expect(evaluateFlow(snapshot, tcp('10.9.9.9', 'hep:node-2/node-2-eth0', 22)).ingress?.decidedBy).toEqual({ kind: 'failsafe', protocol: 6, port: 22 });
  });
  it('does not police a node that has no host endpoint', () => {
    expect(evaluateFlow(snapshot, tcp('10.9.9.9', 'host:node-1', 8080)).allowed).toBe(true);
  });
});
