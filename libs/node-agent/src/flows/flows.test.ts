// Generated traffic decided by the engine and aggregated into flow records, as the simulated
// dataplane reports it: the verdicts and deciding rules are the simulator's, the src and dst
// reporters each say what their own side did, and records add up per interval.
import { describe, expect, it } from 'vitest';
import { buildSnapshot, evaluateFlow, parseDocuments } from '@palisade/engine';
import { FlowAggregator } from './aggregator.js';
import { parseTrafficMix, TrafficGenerator, TrafficMixError } from './traffic.js';

const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: n1-k8s-frontend-eth0, namespace: shop, labels: {app: frontend}}
spec: {orchestrator: k8s, node: n1, pod: frontend, endpoint: eth0, interfaceName: calif, ipNetworks: [10.0.0.1/32], profiles: [kns.shop]}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: n2-k8s-api-eth0, namespace: shop, labels: {app: api}}
spec: {orchestrator: k8s, node: n2, pod: api, endpoint: eth0, interfaceName: calia, ipNetworks: [10.0.0.2/32], profiles: [kns.shop]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  selector: app == 'api'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'frontend'}
    destination: {ports: [8080]}
`;
const snapshot = buildSnapshot(parseDocuments(yaml).resources);
const mix = parseTrafficMix(
  `flows:
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 8080, perSecond: 2, bytes: 1000, packets: 8}
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 9090, perSecond: 1, bytes: 1000, packets: 8}
`,
  'mix.yaml',
);

function run(node: string) {
  const aggregator = new FlowAggregator('alpha', node, new Date('2026-12-01T10:00:00Z'));
  const made = new TrafficGenerator(node, mix, () => 0).tick(snapshot, 10, (o) => aggregator.add(o));
  return { made, records: aggregator.flush(new Date('2026-12-01T10:00:10Z')) };
}

describe('simulated flow logs', () => {
  it("reports the source's egress on its node, every connection of an interval in one record", () => {
    const { made, records } = run('n1');
    expect(made).toBe(30);
    const byPort = Object.fromEntries(records.map((r) => [r.port, r]));
    // No egress policy selects the frontend: its namespace profile allows both ports out.
    expect(byPort[8080]).toMatchObject({ reporter: 'src', action: 'Allow', policy: '__PROFILE__/kns.shop/0', packets: 160, bytes: 20_000, connectionsStarted: 20 });
    expect(byPort[9090]).toMatchObject({ reporter: 'src', action: 'Allow', connectionsStarted: 10 });
    expect(byPort[8080]!.source).toEqual({ namespace: 'shop', name: 'frontend', labels: { app: 'frontend' }, ip: '10.0.0.1' });
    expect(byPort[8080]!.destination).toMatchObject({ namespace: 'shop', name: 'api', ip: '10.0.0.2' });
    expect(records.every((r) => r.startTime === '2026-12-01T10:00:00.000Z' && r.endTime === '2026-12-01T10:00:10.000Z' && r.node === 'n1')).toBe(true);
  });

  it("reports the destination's ingress verdict and deciding rule on its node, as the simulator decides it", () => {
    const { records } = run('n2');
    const allowed = records.find((r) => r.port === 8080)!;
    const denied = records.find((r) => r.port === 9090)!;
    const expected = evaluateFlow(snapshot, { from: 'shop/frontend', to: 'shop/api', protocol: 'TCP', port: 9090 });
    expect(expected.allowed).toBe(false);
    expect(allowed).toMatchObject({ reporter: 'dst', action: 'Allow', policy: 'default/NetworkPolicy/shop/api-ingress/0', connectionsCompleted: 20 });
    expect(denied).toMatchObject({ reporter: 'dst', action: 'Deny', policy: 'default/end-of-tier', packets: 10, connectionsStarted: 0 });
    // Ids are stable per node, interval and key, and distinct between keys.
    expect(run('n2').records.map((r) => r.id)).toEqual(records.map((r) => r.id));
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
  });

  it('refuses a traffic mix with a bad selector or field, saying where', () => {
    expect(() => parseTrafficMix('flows:\n- {from: "app ==", to: all()}\n', 'mix.yaml')).toThrow(TrafficMixError);
    expect(() => parseTrafficMix('flows:\n- {from: "app ==", to: all()}\n', 'mix.yaml')).toThrow(/mix\.yaml: flows\.0\.from: /);
    expect(() => parseTrafficMix('flows:\n- {from: all(), to: all(), rate: 3}\n', 'mix.yaml')).toThrow(/flows\.0: Unrecognized key: "rate"/);
  });
});
