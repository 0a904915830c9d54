import { describe, expect, it } from 'vitest';
import { parseDocuments } from '../parse/documents.js';
import type { KubernetesNetworkPolicy } from '../model/kubernetes.js';
import { validate } from '../validate/resource.js';
import { ConversionInputError, fromKubernetesNetworkPolicy } from '../validate/from-kubernetes.js';
import { convertKubernetesNetworkPolicy } from './network-policy.js';
import { asPort, portToValue } from '../numorstring/index.js';
import { simplifyPorts } from './ports.js';
import { k8sSelectorToCalico } from './selectors.js';

const knp = (spec: KubernetesNetworkPolicy['spec'], name = 'web'): KubernetesNetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'prod' },
  ...(spec ? { spec } : {}),
});

describe('k8sSelectorToCalico', () => {
  it('writes pod selectors as Calico does: orchestrator first, labels sorted, then expressions in order', () => {
    expect(
      k8sSelectorToCalico(
        {
          matchLabels: { tier: 'db', app: 'shop' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 'stage'] },
            { key: 'canary', operator: 'DoesNotExist' },
            { key: 'zone', operator: 'NotIn', values: ['a'] },
            { key: 'owner', operator: 'Exists' },
          ],
        },
        'pod',
      ),
    ).toBe("projectcalico.org/orchestrator == 'k8s' && app == 'shop' && tier == 'db' && env in { 'prod', 'stage' } && ! has(canary) && zone not in { 'a' } && has(owner)");
  });

  it('distinguishes a missing namespace selector (own namespace) from an empty one (every namespace)', () => {
    expect(k8sSelectorToCalico(undefined, 'namespace')).toBe('');
    expect(k8sSelectorToCalico({}, 'namespace')).toBe('all()');
    expect(k8sSelectorToCalico(undefined, 'pod')).toBe("projectcalico.org/orchestrator == 'k8s'");
    expect(k8sSelectorToCalico({}, 'pod')).toBe("projectcalico.org/orchestrator == 'k8s'");
  });
});

describe('simplifyPorts', () => {
  it('keeps named ports first and merges numbers into the fewest ranges', () => {
    expect(simplifyPorts([81, 'http', 80, '90:95', '93:100'].map(asPort)).map(portToValue)).toEqual(['http', '80:81', '90:100']);
  });
  it('leaves a list with fewer than two numeric ports as it was', () => {
    expect(simplifyPorts([443, 'metrics'].map(asPort)).map(portToValue)).toEqual([443, 'metrics']);
  });
});

describe('convertKubernetesNetworkPolicy', () => {
  it('puts the policy in the default tier at order 1000, selecting Kubernetes pods of its namespace', () => {
    const { policy, errors } = convertKubernetesNetworkPolicy(knp({ podSelector: { matchLabels: { app: 'web' } } }));
    expect(errors).toEqual([]);
    expect(policy).toEqual({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'web', namespace: 'prod' },
      spec: { tier: 'default', order: 1000, selector: "projectcalico.org/orchestrator == 'k8s' && app == 'web'", types: ['Ingress'] },
    });
    expect(validate(policy).valid).toBe(true);
  });

  it('expands rules per protocol (sorted) and peer, defaulting the port protocol to TCP', () => {
    const { policy } = convertKubernetesNetworkPolicy(
      knp({
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { role: 'client' } } }, { namespaceSelector: { matchLabels: { team: 'a' } } }],
            ports: [{ port: 443 }, { protocol: 'UDP', port: 53 }, { port: 'metrics' }, { port: 8000, endPort: 8080 }],
          },
        ],
      }),
    );
    expect(policy.spec?.ingress).toEqual([
      { action: 'Allow', protocol: 'TCP', source: { selector: "projectcalico.org/orchestrator == 'k8s' && role == 'client'" }, destination: { ports: ['metrics', 443, '8000:8080'] } },
      { action: 'Allow', protocol: 'TCP', source: { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: "team == 'a'" }, destination: { ports: ['metrics', 443, '8000:8080'] } },
      { action: 'Allow', protocol: 'UDP', source: { selector: "projectcalico.org/orchestrator == 'k8s' && role == 'client'" }, destination: { ports: [53] } },
      { action: 'Allow', protocol: 'UDP', source: { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: "team == 'a'" }, destination: { ports: [53] } },
    ]);
  });

  it('turns ipBlock into nets and except into notNets, normalising host bits', () => {
    const { policy } = convertKubernetesNetworkPolicy(
      knp({ podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.1.1/4', except: ['10.0.2.0/24'] } }], ports: [{ protocol: 'TCP', port: 80 }] }] }),
    );
    expect(policy.spec?.types).toEqual(['Egress']);
    expect(policy.spec?.egress).toEqual([{ action: 'Allow', protocol: 'TCP', destination: { ports: [80], nets: ['0.0.0.0/4'], notNets: ['10.0.2.0/24'] } }]);
  });

  it('reads an empty rule as "from anywhere, any port", and no rules as none', () => {
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, ingress: [{}] })).policy.spec?.ingress).toEqual([{ action: 'Allow' }]);
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, ingress: [] })).policy.spec?.ingress).toBeUndefined();
    // A port entry without a port number allows the whole protocol.
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, ingress: [{ ports: [{ protocol: 'SCTP' }] }] })).policy.spec?.ingress).toEqual([{ action: 'Allow', protocol: 'SCTP' }]);
  });

  it('keeps egress rules when policyTypes leaves Egress out (they are not enforced)', () => {
    const { policy } = convertKubernetesNetworkPolicy(knp({ podSelector: {}, policyTypes: ['Ingress'], egress: [{}] }));
    expect(policy.spec?.types).toEqual(['Ingress']);
    expect(policy.spec?.egress).toEqual([{ action: 'Allow' }]);
  });

  it('defaults a missing or empty policyTypes as the API server does: Ingress, plus Egress when there are egress rules', () => {
    // Read as Calico reads it (always after the API server's defaulting), egress rules take effect.
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, egress: [{}] })).policy.spec?.types).toEqual(['Ingress', 'Egress']);
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, policyTypes: [], egress: [{}] })).policy.spec?.types).toEqual(['Ingress', 'Egress']);
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, ingress: [{}], egress: [{}] })).policy.spec?.types).toEqual(['Ingress', 'Egress']);
    // An empty egress list is no egress rule.
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, egress: [] })).policy.spec?.types).toEqual(['Ingress']);
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, ingress: [{}] })).policy.spec?.types).toEqual(['Ingress']);
    // Both spellings of the same policy convert alike.
    const written = convertKubernetesNetworkPolicy(knp({ podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ podSelector: {} }] }] })).policy;
    const defaulted = convertKubernetesNetworkPolicy(knp({ podSelector: { matchLabels: { app: 'web' } }, egress: [{ to: [{ podSelector: {} }] }] })).policy;
    expect(defaulted).toEqual(written);
  });

  it('orders policyTypes Ingress then Egress whatever the input order', () => {
    expect(convertKubernetesNetworkPolicy(knp({ podSelector: {}, policyTypes: ['Egress', 'Ingress'] })).policy.spec?.types).toEqual(['Ingress', 'Egress']);
  });

  it('is what validation checks for a StagedKubernetesNetworkPolicy', () => {
    const staged = parseDocuments(`apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: web, namespace: prod}
spec:
  stagedAction: Set
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports: [{port: 80, endPort: 70}]
`).resources[0];
    expect(validate(staged).errors).toEqual([{ path: 'spec.ingress[0].ports[0].endPort', message: 'must be greater than or equal to port (80)' }]);
  });
});

describe('Kubernetes NetworkPolicy validation', () => {
  const base = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'prod' } };
  it('rejects what the Kubernetes API server rejects', () => {
    const result = validate({
      ...base,
      spec: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] },
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] }, podSelector: {} }], ports: [{ port: 'Web_Port' }, { port: 'http', endPort: 90 }] }],
      },
    });
    expect(result.errors.map((e) => e.path)).toEqual([
      'spec.podSelector.matchExpressions[0].values',
      'spec.ingress[0].ports[0].port',
      'spec.ingress[0].ports[1].endPort',
      'spec.ingress[0].from[0].ipBlock',
      'spec.ingress[0].from[0].ipBlock.except[0]',
    ]);
  });
  it('accepts an ipBlock CIDR with host bits, as the API server does', () => {
    expect(validate({ ...base, spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.1.1/4' } }] }], policyTypes: ['Egress'] } }).valid).toBe(true);
  });
});

describe('fromKubernetesNetworkPolicy', () => {
  it('converts a policy straight from parsed YAML', () => {
    const policy = fromKubernetesNetworkPolicy({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'db', namespace: 'prod' },
      spec: { podSelector: { matchLabels: { role: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'api' } } }], ports: [{ port: 5432 }] }] },
    });
    expect(policy.spec).toEqual({
      tier: 'default',
      order: 1000,
      selector: "projectcalico.org/orchestrator == 'k8s' && role == 'db'",
      types: ['Ingress'],
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "projectcalico.org/orchestrator == 'k8s' && role == 'api'" }, destination: { ports: [5432] } }],
    });
  });

  it('refuses an invalid policy with located errors instead of converting part of it', () => {
    const convert = () =>
      fromKubernetesNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] } });
    expect(convert).toThrow(ConversionInputError);
    expect(convert).toThrow('spec.ingress[0].ports[0].port: must be between 1 and 65535, not 0');
    expect(() => fromKubernetesNetworkPolicy({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'x' } })).toThrow('must be networking.k8s.io/v1 NetworkPolicy');
  });
});
