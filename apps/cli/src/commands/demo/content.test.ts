import { describe, expect, it } from 'vitest';
import { ClusterState, simulateProbe, validateDocuments, type Resource } from '@palisade/engine';
import { parseTrafficMix, simulatedInventory } from '@palisade/node-agent';
import { assignWaves, parsePlan } from '@palisade/rollout';
import { DEMO_CLUSTERS, DEMO_NODES, DEMO_PLAN, DEMO_PODS_PER_NODE, DEMO_POLICIES, DEMO_TRAFFIC } from './content.js';

describe("the demo's content", () => {
  const checked = validateDocuments(DEMO_POLICIES);
  const policies = checked.documents.map((d) => d.resource as Resource);
  const nodes = Array.from({ length: DEMO_NODES }, (_, i) => simulatedInventory('staging', i, `staging-node-${i}`, DEMO_PODS_PER_NODE, 'demo'));
  const snapshot = ClusterState.from([...policies, ...nodes.flat()]);
  const decide = (from: string, to: string, protocol: string, port: number) => simulateProbe(snapshot, { from, to, protocol, port }, 0);

  it('is valid Calico policy, the guide examples among it', () => {
    expect(checked.documents.flatMap((d) => d.errors)).toEqual([]);
    expect(policies.map((p) => p.metadata.name)).toEqual([
      'allow-tcp-6379',
      'deny-circle-blue',
      'allow-egress-external',
      'database-ingress',
      'api-ingress',
      'allow-cluster-internal-ingress',
      'drop-other-ingress',
    ]);
  });

  it('allows what the shop should do and denies what it should not, each by the rule meant to', () => {
    expect(decide('web/frontend-0-0', 'production/api-0-1', 'TCP', 8080).allowed).toBe(true);
    expect(decide('production/api-0-1', 'production/orders-1-2', 'TCP', 8080).allowed).toBe(true);
    expect(decide('production/orders-0-2', 'production/db-0-4', 'TCP', 5432).allowed).toBe(true);
    expect(decide('production/api-0-1', 'production/cache-1-5', 'TCP', 6379).allowed).toBe(true);
    expect(decide('production/payments-0-3', 'kube-system/dns-0-6', 'UDP', 53).allowed).toBe(true);
    const frontendToDb = decide('web/frontend-0-0', 'production/db-0-4', 'TCP', 5432);
    expect(frontendToDb.allowed).toBe(false);
    expect(frontendToDb.deniedAt?.by).toContain('database-ingress');
    const frontendToCache = decide('web/frontend-0-0', 'production/cache-0-5', 'TCP', 6379);
    expect(frontendToCache.allowed).toBe(false);
    expect(frontendToCache.deniedAt?.by).toContain('deny-circle-blue');
    const apiToDb = decide('production/api-0-1', 'production/db-0-4', 'TCP', 5432);
    expect(apiToDb.allowed).toBe(false);
    expect(apiToDb.deniedAt?.by).toMatch(/end of tier|no rule/i);
    // The cache talks to nothing: its egress policy allows nothing.
    expect(decide('production/cache-0-5', 'kube-system/dns-0-6', 'UDP', 53).allowed).toBe(false);
  });

  it('has a traffic mix and a plan that parse, the plan taking staging first and the prod clusters after', () => {
    expect(parseTrafficMix(DEMO_TRAFFIC, 'demo').flows).toHaveLength(11);
    const plan = parsePlan(DEMO_PLAN);
    expect(plan.errors).toEqual([]);
    const waves = assignWaves(
      plan.plan!,
      DEMO_CLUSTERS.map((c) => ({ name: c.name, labels: { ...c.labels } })),
    );
    expect(waves.waves.map((w) => w.clusters)).toEqual([['staging'], ['prod-eu', 'prod-us']]);
    expect(waves.left).toEqual([]);
  });
});
