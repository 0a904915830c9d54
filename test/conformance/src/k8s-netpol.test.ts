// Reachability scenarios transcribed from the upstream Kubernetes network-policy e2e suite
// (k8s-netpol/scenarios.json, see k8s-netpol/README.md). Each scenario's model (namespaces x/y/z,
// pods a/b/c) and policies become a snapshot; every probe of its 9x9 matrix runs through the
// simulator and must give the expected reachability. Loopback probes are asserted too.
import { describe, expect, it } from 'vitest';
import { buildSnapshot, decodeResource, simulate, type Probe, type Resource } from '@palisade/engine';
import { loadVectors } from './vectors.js';

interface Model {
  namespaces: Record<string, Record<string, string>>;
  pods: { namespace: string; name: string; labels: Record<string, string>; ip: string; containerPorts: { name: string; containerPort: number; protocol: string }[] }[];
}
interface Scenario {
  id: string;
  name: string;
  policies: unknown[];
  modelOverrides?: { namespaceLabels?: Record<string, Record<string, string>>; podLabels?: Record<string, Record<string, string>> };
  probes: { from: string; to: string; port: number; protocol: string; expected: boolean; loopback?: boolean }[];
}

const { model, scenarios } = loadVectors<{ model: Model; scenarios: Scenario[] }>('k8s-netpol/scenarios.json');

function resources(scenario: Scenario): Resource[] {
  const raw: unknown[] = [
    ...Object.entries(model.namespaces).map(([name, labels]) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: scenario.modelOverrides?.namespaceLabels?.[name] ?? labels } })),
    ...model.pods.map((pod) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.name, namespace: pod.namespace, labels: scenario.modelOverrides?.podLabels?.[`${pod.namespace}/${pod.name}`] ?? pod.labels },
      spec: { nodeName: 'node-1', containers: [{ name: 'server', ports: pod.containerPorts }] },
      status: { podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
    })),
    ...scenario.policies,
  ];
  return raw.map((r) => {
    const decoded = decodeResource(r);
    if (!decoded.resource) throw new Error(`scenario ${scenario.id}: ${JSON.stringify(decoded.issues)}`);
    return decoded.resource;
  });
}

describe('Kubernetes NetworkPolicy conformance (upstream e2e reachability)', () => {
  it('has every scenario of the transcription', () => {
    expect(scenarios).toHaveLength(38);
    expect(scenarios.reduce((n, s) => n + s.probes.length, 0)).toBe(3483);
  });

  it.each(scenarios.map((s) => [`${s.id} ${s.name}`, s] as const))('%s', (_label, scenario) => {
    const snapshot = buildSnapshot(resources(scenario));
    expect(snapshot.errors).toEqual([]);
    const probes: Probe[] = scenario.probes.map((p) => ({ from: p.from, to: p.to, protocol: p.protocol, port: p.port }));
    const results = simulate(snapshot, probes);
    const wrong = scenario.probes
      .map((p, i) => ({ probe: `${p.from} -> ${p.to} ${p.protocol}/${p.port}`, expected: p.expected, got: results[i]!.allowed, deniedAt: results[i]!.deniedAt }))
      .filter((r) => r.expected !== r.got);
    expect(wrong).toEqual([]);
  });
});
