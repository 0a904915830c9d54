import { describe, expect, it } from 'vitest';
import { networkSetLabels, workloadEndpointLabels } from '../labels/effective.js';
import { entitySelectors, policyEndpointSelector } from './scope.js';
import { effectiveTypes } from './types.js';

const web = workloadEndpointLabels({
  labels: { app: 'web', color: 'red' },
  namespace: 'production',
  namespaceLabels: { shape: 'circle', 'kubernetes.io/metadata.name': 'production' },
  serviceAccount: 'web-sa',
  serviceAccountLabels: { team: 'shop' },
  orchestrator: 'k8s',
});
const db = workloadEndpointLabels({ labels: { color: 'blue' }, namespace: 'staging', namespaceLabels: { shape: 'square' }, orchestrator: 'k8s' });
const hostEndpoint = { 'host-endpoint': 'true', color: 'red' };

describe('workloadEndpointLabels', () => {
  it('adds the labels Calico adds, and inherits namespace and service-account labels with prefixes', () => {
    expect(web).toEqual({
      app: 'web',
      color: 'red',
      'projectcalico.org/namespace': 'production',
      'projectcalico.org/orchestrator': 'k8s',
      'projectcalico.org/serviceaccount': 'web-sa',
      'pcns.shape': 'circle',
      'pcns.kubernetes.io/metadata.name': 'production',
      'pcns.projectcalico.org/name': 'production',
      'pcsa.team': 'shop',
      'pcsa.projectcalico.org/name': 'web-sa',
    });
  });
  it("lets the endpoint's own label win over an inherited one", () => {
    expect(workloadEndpointLabels({ labels: { 'pcns.shape': 'own' }, namespace: 'n', namespaceLabels: { shape: 'inherited' } })['pcns.shape']).toBe('own');
  });
  it('gives namespaced network sets their namespace label', () => {
    expect(networkSetLabels({ role: 'external' }, 'production')).toEqual({ role: 'external', 'projectcalico.org/namespace': 'production' });
  });
});

describe('policyEndpointSelector', () => {
  it('confines a namespaced policy to its own namespace', () => {
    const selector = policyEndpointSelector({ selector: "color == 'red'" }, 'production');
    expect(selector.toString()).toBe('(color == "red" && projectcalico.org/namespace == "production")');
    expect(selector.matches(web)).toBe(true);
    expect(selector.matches({ ...web, 'projectcalico.org/namespace': 'other' })).toBe(false);
  });

  it("matches a global policy's namespaceSelector against namespace labels, leaving host endpoints out", () => {
    const selector = policyEndpointSelector({ selector: "color == 'red'", namespaceSelector: "shape == 'circle'" });
    expect(selector.matches(web)).toBe(true);
    expect(selector.matches(hostEndpoint)).toBe(false);
    const anyNamespace = policyEndpointSelector({ selector: "color == 'red'", namespaceSelector: 'all()' });
    expect(anyNamespace.toString()).toBe('(color == "red" && has(projectcalico.org/namespace))');
    expect(anyNamespace.matches(hostEndpoint)).toBe(false);
    expect(policyEndpointSelector({ selector: "color == 'red'" }).matches(hostEndpoint)).toBe(true);
  });

  it('matches serviceAccountSelector against the account labels', () => {
    expect(policyEndpointSelector({ serviceAccountSelector: "team == 'shop'" }, 'production').matches(web)).toBe(true);
    expect(policyEndpointSelector({ serviceAccountSelector: 'all()' }, 'staging').matches(db)).toBe(false);
    expect(policyEndpointSelector({ serviceAccountSelector: "projectcalico.org/name == 'web-sa'" }, 'production').matches(web)).toBe(true);
  });
});

describe('entitySelectors', () => {
  it('in a namespaced policy, confines a rule selector to the policy namespace unless a namespaceSelector is given', () => {
    const own = entitySelectors({ selector: "color == 'blue'" }, 'staging');
    expect(own.positive?.matches(db)).toBe(true);
    expect(own.positive?.matches({ ...db, 'projectcalico.org/namespace': 'production' })).toBe(false);
    const other = entitySelectors({ selector: "color == 'blue'", namespaceSelector: "shape == 'square'" }, 'production');
    expect(other.positive?.matches(db)).toBe(true);
  });

  it('reads namespaceSelector: global() as "objects without a namespace"', () => {
    const global = entitySelectors({ namespaceSelector: 'global()' }, 'production');
    expect(global.positive?.toString()).toBe('!has(projectcalico.org/namespace)');
    expect(global.positive?.matches({ role: 'external-net' })).toBe(true);
    expect(global.positive?.matches(db)).toBe(false);
  });

  it('turns serviceAccounts names into a match on the service-account label, ANDed with its selector', () => {
    const { positive } = entitySelectors({ serviceAccounts: { names: ['web-sa', 'api-sa'], selector: "team == 'shop'" } }, 'production');
    expect(positive?.toString()).toBe('(projectcalico.org/serviceaccount in {"api-sa", "web-sa"} && pcsa.team == "shop" && projectcalico.org/namespace == "production")');
    expect(positive?.matches(web)).toBe(true);
  });

  it('keeps notSelector apart, and in a namespaced policy a lone notSelector still means "in this namespace"', () => {
    const { positive, negative } = entitySelectors({ notSelector: "color == 'red'" }, 'production');
    expect(positive?.toString()).toBe('projectcalico.org/namespace == "production"');
    expect(negative?.toString()).toBe('color == "red"');
    expect(entitySelectors({ notSelector: 'has(a)' }).positive).toBeUndefined();
  });

  it('has no positive selector when the rule names only nets or ports', () => {
    expect(entitySelectors({ nets: ['10.0.0.0/8'] }, 'production')).toEqual({});
  });
});

describe('effectiveTypes', () => {
  it('defaults as the table in the guide says', () => {
    expect(effectiveTypes({})).toEqual(['Ingress']);
    expect(effectiveTypes({ ingress: [{}] })).toEqual(['Ingress']);
    expect(effectiveTypes({ egress: [{}] })).toEqual(['Egress']);
    expect(effectiveTypes({ ingress: [{}], egress: [{}] })).toEqual(['Ingress', 'Egress']);
    expect(effectiveTypes({ types: ['Egress', 'Ingress'], ingress: [{}] })).toEqual(['Ingress', 'Egress']);
  });
});
