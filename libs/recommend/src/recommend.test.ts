import { describe, expect, it } from 'vitest';
import { ClusterState, parseDocuments, simulate, type Resource } from '@palisade/engine';
import { promoted } from './promote.js';
import { recommend } from './recommend.js';
import { workloadLabels } from './stable-labels.js';
import { CLIENT, INTENDED, podsOf, shopDocuments, shopFlows, shopPods } from './test-support/shop.js';

const pods = shopPods();
const flows = shopFlows(pods);
const endpoints = pods.map((p) => ({ namespace: p.namespace, labels: p.labels }));

function stateWith(policies: Record<string, unknown>[]): ClusterState {
  const parsed = parseDocuments(shopDocuments(pods).join('---\n'));
  return ClusterState.from([...parsed.resources, ...(policies as unknown as Resource[])]);
}

/** Every workload pair (one replica each) on every port the shop uses, and ports it does not. */
function probes() {
  const workloads = [...new Set(pods.map((p) => p.workload))];
  const ports = [...new Set(INTENDED.map((e) => `${e.protocol}/${e.port}`)), 'TCP/22', 'TCP/443'];
  const list: { from: string; to: string; protocol: string; port: number; intended: boolean }[] = [];
  for (const a of workloads)
    for (const b of workloads) {
      if (a === b) continue;
      for (const p of ports) {
        const [protocol, port] = p.split('/') as [string, string];
        const intended = INTENDED.some((e) => e.from === a && e.to === b && e.protocol === protocol && e.port === Number(port));
        const [from, to] = [podsOf(pods, a)[0]!, podsOf(pods, b).at(-1)!];
        list.push({ from: `${from.namespace}/${from.name}`, to: `${to.namespace}/${to.name}`, protocol, port: Number(port), intended });
      }
    }
  for (const [ip, port, intended] of [
    [CLIENT, 443, true],
    [CLIENT, 8080, false],
    ['198.51.100.9', 443, false],
  ] as const)
    list.push({ from: ip, to: `shop/${podsOf(pods, 'frontend')[0]!.name}`, protocol: 'TCP', port, intended });
  return list;
}

describe('stable labels', () => {
  it("select a workload by what it is, never by its pods' controller labels", () => {
    expect(workloadLabels({ app: 'api', 'pod-template-hash': '5d9', 'projectcalico.org/namespace': 'shop', 'pcns.team': 'x' })).toEqual({ app: 'api' });
    expect(workloadLabels({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/component': 'api', app: 'legacy' })).toEqual({
      'app.kubernetes.io/component': 'api',
      'app.kubernetes.io/name': 'shop',
    });
    expect(workloadLabels({ team: 'a', tier: 'web', 'controller-revision-hash': 'x' })).toEqual({ team: 'a', tier: 'web' });
    expect(workloadLabels({ 'pod-template-hash': 'x' })).toEqual({});
  });
});

describe('recommendations from recorded flows', () => {
  const result = recommend({ namespace: 'shop', endpoints, flows });

  it('writes one staged policy per workload of the namespace, selected by stable labels, each rule listing the flows it covers', () => {
    expect(result.policies.map((p) => p.resource.metadata.name)).toEqual([
      'recommended-api',
      'recommended-audit-log',
      'recommended-cache',
      'recommended-db',
      'recommended-frontend',
      'recommended-orders',
      'recommended-payments',
    ]);
    const db = result.policies.find((p) => p.resource.metadata.name === 'recommended-db')!;
    expect(db.resource['spec']).toEqual({
      stagedAction: 'Set',
      tier: 'default',
      selector: "app == 'db'",
      types: ['Ingress', 'Egress'],
      ingress: [
        {
          action: 'Allow',
          protocol: 'TCP',
          metadata: { annotations: { 'palisade.dev/covers': expect.stringContaining('shop/orders-') } },
          source: { selector: "app == 'orders'" },
          destination: { ports: [5432] },
        },
        {
          action: 'Allow',
          protocol: 'TCP',
          metadata: { annotations: { 'palisade.dev/covers': expect.stringContaining('shop/payments-') } },
          source: { selector: "app == 'payments'" },
          destination: { ports: [5432] },
        },
      ],
    });
    const frontend = result.policies.find((p) => p.resource.metadata.name === 'recommended-frontend')!;
    expect((frontend.resource['spec'] as { ingress: unknown[] }).ingress).toEqual([expect.objectContaining({ source: { nets: [`${CLIENT}/32`] }, destination: { ports: [443] } })]);
    expect((frontend.resource['spec'] as { egress: unknown[] }).egress).toEqual([
      expect.objectContaining({ protocol: 'UDP', destination: { selector: "k8s-app == 'kube-dns'", namespaceSelector: "projectcalico.org/name == 'kube-system'", ports: [53] } }),
      expect.objectContaining({ protocol: 'TCP', destination: { selector: "app == 'api'", ports: [8080] } }),
    ]);
    // Nothing names a pod: no pod name, hash or revision appears in any selector.
    expect(JSON.stringify(result.policies.map((p) => p.resource['spec']).map((s) => JSON.stringify(s).match(/selector":"[^"]*/g)))).not.toMatch(/hash|statefulset|db-0|-0'/);
  });

  it('promoted, allows every observed flow and denies every unobserved pair on the probe list', () => {
    const enforced = result.policies.map((p) => promoted(p.resource as never)).map((r) => ('resource' in r ? r.resource : undefined)!);
    const list = probes();
    const results = simulate(stateWith(enforced), list);
    const wrong = list.filter((p, i) => results[i]!.allowed !== p.intended).map((p) => `${p.from} → ${p.to} ${p.protocol}/${p.port} (intended: ${p.intended})`);
    expect(wrong).toEqual([]);
    expect(list.filter((p) => p.intended).length).toBe(INTENDED.length + 1);
    // The figure a user sees beside the policies: rules against distinct observed conversations.
    console.log(
      `recommendation quality: ${result.ruleCount} rules for ${result.observedConversations} distinct observed conversations (${result.flowRecords} flow records), ${list.length} probes, 0 wrong`,
    );
    expect(result.ruleCount).toBeLessThanOrEqual(result.observedConversations);
  });

  it('staged, changes no verdict yet and shows the same answers as pending verdicts', () => {
    const list = probes();
    const results = simulate(stateWith(result.policies.map((p) => p.resource)), list);
    expect(results.every((r) => r.allowed)).toBe(true);
    expect(list.filter((p, i) => results[i]!.pending!.allowed !== p.intended)).toEqual([]);
  });

  it('narrows to a label-selected group, and widens ports only when asked', () => {
    const group = recommend({ namespace: 'shop', selector: "app in {'db', 'cache'}", endpoints, flows });
    expect(group.policies.map((p) => p.resource.metadata.name)).toEqual(['recommended-cache', 'recommended-db']);
    const wide = recommend({ namespace: 'shop', selector: "app == 'db'", endpoints, flows, widen: { ports: true } });
    expect(JSON.stringify(wide.policies[0]!.resource['spec'])).not.toContain('ports');
  });

  it('promotes staged policy to the kind it stands for, and a staged Delete to a deletion', () => {
    expect(promoted({ kind: 'StagedNetworkPolicy', metadata: { name: 'a', namespace: 'x', resourceVersion: '3' }, spec: { stagedAction: 'Set', selector: 'all()' } })).toEqual({
      resource: { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'a', namespace: 'x' }, spec: { selector: 'all()' } },
    });
    expect(promoted({ kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'g' }, spec: { stagedAction: 'Delete' } })).toEqual({ deletes: 'GlobalNetworkPolicy/g' });
    expect(() => promoted({ kind: 'NetworkPolicy', metadata: { name: 'a' } })).toThrow(/not a staged policy/);
  });
});
