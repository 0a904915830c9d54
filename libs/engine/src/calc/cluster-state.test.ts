import { describe, expect, it } from 'vitest';
import { decodeResource, type Resource } from '../model/resources.js';
import { ClusterState } from './cluster-state.js';

const resource = (raw: unknown): Resource => decodeResource(raw).resource!;
const hep = (name: string) => resource({ apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name, labels: { host: 'yes' } }, spec: { node: 'n1', expectedIPs: ['10.99.1.1'] } });
const wep = (pod: string) =>
  resource({
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: `wep-${pod}`, namespace: 'ns-a' },
    spec: { node: 'n1', orchestrator: 'k8s', pod, endpoint: 'eth0', ipNetworks: ['fd00:99::1/128'] },
  });

describe('ClusterState errors', () => {
  // Found by the random change-sequence test: re-writing a resource moves it to the end of the
  // inputs, so a full build of the same resources met the clashing IPs in another order.
  it('come in the same order after changes as from a full build of the same resources', () => {
    const state = ClusterState.from([hep('h2'), wep('p0'), hep('h1'), wep('p1')]);
    state.apply({ upsert: hep('h2') });
    const fresh = ClusterState.from(state.resources());
    expect(state.errors.map((e) => e.message)).toEqual(['hep:n1/h1 and hep:n1/h2 both have IP 10.99.1.1', 'ns-a/p0 and ns-a/p1 both have IP fd00:99::1']);
    expect(state.errors).toEqual(fresh.errors);
  });
});
