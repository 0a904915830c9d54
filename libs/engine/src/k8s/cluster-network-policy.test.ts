import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../parse/documents.js';
import type { ClusterNetworkPolicy } from '../model/kubernetes.js';
import { validate, validateDecoded } from '../validate/resource.js';
import { convertClusterNetworkPolicy } from './cluster-network-policy.js';

function cnp(yaml: string): ClusterNetworkPolicy {
  const parsed = parseDocuments(yaml);
  expect(parsed.errors).toEqual([]);
  expect(validateDecoded(parsed.resources[0]!)).toEqual([]);
  return parsed.resources[0] as ClusterNetworkPolicy;
}

describe('convertClusterNetworkPolicy', () => {
  it('maps tier and priority to a GlobalNetworkPolicy in kube-admin, selecting the subject pods', () => {
    const { policy, errors } = convertClusterNetworkPolicy(
      cnp(`apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: isolate-sensitive}
spec:
  tier: Admin
  priority: 10
  subject:
    pods:
      namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: sensitive}}
      podSelector: {matchLabels: {app: vault}}
  ingress:
  - name: allow-monitoring
    action: Accept
    from:
    - namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
    protocols:
    - tcp: {destinationPort: {number: 9090}}
  - name: deny-rest
    action: Deny
    from:
    - pods: {podSelector: {}}
`),
    );
    expect(errors).toEqual([]);
    expect(policy).toEqual({
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'isolate-sensitive' },
      spec: {
        tier: 'kube-admin',
        order: 10,
        selector: "projectcalico.org/orchestrator == 'k8s' && app == 'vault'",
        namespaceSelector: "kubernetes.io/metadata.name == 'sensitive'",
        types: ['Ingress'],
        ingress: [
          {
            action: 'Allow',
            protocol: 'TCP',
            source: { namespaceSelector: "kubernetes.io/metadata.name == 'monitoring'" },
            destination: { ports: [9090] },
            metadata: { annotations: { name: 'allow-monitoring' } },
          },
          { action: 'Deny', source: { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: 'all()' }, metadata: { annotations: { name: 'deny-rest' } } },
        ],
      },
    });
    expect(validate(policy).valid).toBe(true);
  });

  it('selects whole namespaces through subject.namespaces, in kube-baseline', () => {
    const { policy } = convertClusterNetworkPolicy(
      cnp(`apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: baseline}
spec:
  tier: Baseline
  priority: 0
  subject: {namespaces: {}}
  egress:
  - action: Pass
    to: [{networks: [10.1.2.3/16]}]
`),
    );
    expect(policy.spec).toMatchObject({ tier: 'kube-baseline', order: 0, selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: 'all()', types: ['Egress'] });
    expect(policy.spec?.egress).toEqual([{ action: 'Pass', destination: { nets: ['10.1.0.0/16'] } }]);
  });

  it('fails closed: an unconvertible Deny or Pass rule denies everything, an unconvertible Accept rule is dropped', () => {
    const { policy, errors } = convertClusterNetworkPolicy(
      cnp(`apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: closed}
spec:
  tier: Admin
  priority: 5
  subject: {namespaces: {}}
  egress:
  - action: Accept
    to: [{domainNames: [example.com]}]
  - action: Pass
    to: [{nodes: {}}]
  - action: Deny
    to: [{pods: {podSelector: {}}}]
    protocols: [{destinationNamedPort: http}]
`),
    );
    expect(policy.spec?.egress).toEqual([{ action: 'Deny' }, { action: 'Deny' }]);
    expect(errors.map((e) => [e.path.join('.'), e.message])).toEqual([
      ['egress.0', "k8s rule couldn't be converted: none of supported fields in 'To' is set."],
      ['egress.1', "k8s rule couldn't be converted: none of supported fields in 'To' is set."],
      ['egress.2', "k8s rule couldn't be converted: named ports are not supported yet."],
    ]);
  });

  it('orders rules by protocol, then peer, merging port lists', () => {
    const { policy } = convertClusterNetworkPolicy(
      cnp(`apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: ports}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {}}
  ingress:
  - action: Accept
    from: [{namespaces: {matchLabels: {a: b}}}, {namespaces: {matchLabels: {c: d}}}]
    protocols:
    - udp: {destinationPort: {range: {start: 20, end: 30}}}
    - tcp: {destinationPort: {number: 80}}
    - tcp: {destinationPort: {number: 81}}
`),
    );
    expect(policy.spec?.ingress?.map((r) => [r.protocol, r.source?.namespaceSelector, r.destination?.ports])).toEqual([
      ['TCP', "a == 'b'", ['80:81']],
      ['TCP', "c == 'd'", ['80:81']],
      ['UDP', "a == 'b'", ['20:30']],
      ['UDP', "c == 'd'", ['20:30']],
    ]);
  });

  it('validates the shape rules of the upstream API', () => {
    const result = validate({
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'bad' },
      spec: {
        tier: 'Admin',
        priority: 1001,
        subject: { namespaces: {}, pods: { podSelector: {} } },
      },
    });
    expect(result.errors.map((e) => e.path)).toEqual(['spec.priority']);
    const shape = validate({
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'bad' },
      spec: {
        tier: 'Admin',
        priority: 1,
        subject: { namespaces: {}, pods: { podSelector: {} } },
        egress: [{ action: 'Accept', to: [{ networks: ['10.0.0.0/8'] }], protocols: [{ tcp: { destinationPort: { range: { start: 90, end: 80 } } } }, { destinationNamedPort: 'http' }] }],
      },
    });
    expect(shape.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'spec.subject: must set exactly one of namespaces, pods (it sets namespaces and pods)',
      'spec.egress[0].protocols: networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames',
      'spec.egress[0].protocols[0].tcp.destinationPort.range: Start port must be less than End port',
    ]);
  });
});
