import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from './documents.js';
import { validateDocuments } from '../validate/documents.js';

const seed = readFileSync(new URL('../../fixtures/seed-policies.yaml', import.meta.url), 'utf8');

describe('parseDocuments', () => {
  it('reads every policy of the seed guide, and each is valid Calico', () => {
    const result = validateDocuments(seed);
    expect(result.errors).toEqual([]);
    expect(result.documents.map((d) => [d.kind, d.name, d.valid])).toEqual([
      ['NetworkPolicy', 'allow-tcp-6379', true],
      ['NetworkPolicy', 'allow-tcp-6379-circle', true],
      ['GlobalNetworkPolicy', 'deny-blue', true],
      ['GlobalNetworkPolicy', 'deny-circle-blue', true],
      ['NetworkPolicy', 'allow-egress-external', true],
      ['GlobalNetworkPolicy', 'drop-other-ingress', true],
      ['GlobalNetworkPolicy', 'allow-cluster-internal-ingress', true],
      ['NetworkPolicy', 'log-and-deny-frontend', true],
    ]);
    expect(result.valid).toBe(true);
  });

  it("locates the seed guide's capitalised Metadata:/Spec: keys, with a suggestion", () => {
    const text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nMetadata:\n  name: allow-tcp-6379\n  namespace: production\nSpec:\n  selector: role == 'database'\n";
    const { errors } = parseDocuments(text);
    expect(errors).toContainEqual(expect.objectContaining({ path: 'Metadata', line: 3, column: 1, message: expect.stringContaining('did you mean "metadata"?') }));
    expect(errors).toContainEqual(expect.objectContaining({ path: 'Spec', line: 6, column: 1, message: expect.stringContaining('did you mean "spec"?') }));
    expect(errors).toContainEqual(expect.objectContaining({ path: 'metadata', message: 'is required' }));
  });

  it("says how to fix the seed's 1.2.3.4/24, which Calico rejects because host bits are set", () => {
    const text = seed.replace('1.2.3.0/24', '1.2.3.4/24');
    const result = validateDocuments(text);
    const doc = result.documents.find((d) => d.name === 'allow-egress-external')!;
    expect(doc.valid).toBe(false);
    expect(doc.errors[0]).toMatchObject({ path: 'spec.egress[0].destination.nets[0]', message: '"1.2.3.4/24" has host bits set: the network is 1.2.3.0/24' });
    expect(doc.errors[0]!.line).toBe(text.split('\n').findIndex((l) => l.includes('1.2.3.4/24')) + 1);
  });

  it('reports document index, path, line and column for every kind of mistake', () => {
    const text = [
      'apiVersion: projectcalico.org/v3',
      'kind: GlobalNetworkPolicy',
      'metadata: {name: ok}',
      'spec: {selector: all()}',
      '---',
      'apiVersion: projectcalico.org/v3',
      'kind: GlobalNetworkPolicy',
      'metadata:',
      '  name: bad',
      'spec:',
      '  order: "10"',
      '  ingress:',
      '  - action: Allow',
      '    protocol: TCP',
      '    destination:',
      '      ports: [80, 70000]',
      '    sourc: {}',
    ].join('\n');
    const { errors, resources, documents } = parseDocuments(text);
    expect(resources).toHaveLength(1);
    expect(documents.map((d) => d.document)).toEqual([0, 1]);
    expect(errors).toEqual([
      expect.objectContaining({ document: 1, path: 'spec.order', line: 11, column: 3, message: 'must be a number, not the string "10"' }),
      expect.objectContaining({ document: 1, path: 'spec.ingress[0].destination.ports[1]', line: 16, column: 19, message: expect.stringContaining('70000') }),
      expect.objectContaining({ document: 1, path: 'spec.ingress[0].sourc', line: 17, column: 5, message: expect.stringContaining('did you mean "source"?') }),
    ]);
  });

  it('reads kind: List, *List kinds and JSON arrays, locating errors inside items', () => {
    const list = `apiVersion: v1
kind: List
items:
- apiVersion: projectcalico.org/v3
  kind: Tier
  metadata: {name: security}
  spec: {order: 100}
- apiVersion: projectcalico.org/v3
  kind: Tier
  metadata: {name: platform}
  spec: {order: 200, defaultAction: Allow}
`;
    const parsed = parseDocuments(list);
    expect(parsed.resources.map((r) => r.metadata.name)).toEqual(['security']);
    expect(parsed.errors).toEqual([expect.objectContaining({ document: 0, item: 1, path: 'spec.defaultAction', line: 11, column: 22 })]);

    const calicoctl = parseDocuments(
      '{"apiVersion":"projectcalico.org/v3","kind":"TierList","metadata":{"resourceVersion":"9"},"items":[{"apiVersion":"projectcalico.org/v3","kind":"Tier","metadata":{"name":"a"},"spec":{}}]}',
    );
    expect(calicoctl.errors).toEqual([]);
    expect(calicoctl.resources).toHaveLength(1);

    const array = parseDocuments('[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"prod","labels":{"env":"prod"}}}]');
    expect(array.resources).toEqual([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { env: 'prod' } } }]);
  });

  it('treats explicit zero values as unset, as Calico does', () => {
    const text = `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: zero}
spec:
  preDNAT: false
  types: []
  stagedAction: ""
  selector: ""
  ingress: []
`;
    const { resources, errors } = parseDocuments(text);
    expect(errors).toEqual([]);
    expect(resources[0]).toMatchObject({ spec: {} });
    expect(Object.keys((resources[0] as { spec: object }).spec)).toEqual([]);
  });

  it('keeps zero where zero means something: order 0 and ICMP type 0', () => {
    const { resources } = parseDocuments(
      'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: z}\nspec:\n  order: 0\n  ingress: [{action: Allow, protocol: ICMP, icmp: {type: 0}}]\n',
    );
    expect(resources[0]).toMatchObject({ spec: { order: 0, ingress: [{ icmp: { type: 0 } }] } });
  });

  it('reports YAML syntax errors with their position and reads nothing of a broken document', () => {
    const { errors, resources } = parseDocuments('apiVersion: v1\nkind: Namespace\nmetadata: {name: a\n');
    expect(resources).toEqual([]);
    expect(errors[0]).toMatchObject({ code: 'YAML_SYNTAX', document: 0, line: expect.any(Number) });
  });

  it('refuses duplicate keys, unknown kinds and versions with a clear message', () => {
    expect(parseDocuments('apiVersion: v1\nkind: Namespace\nkind: Pod\nmetadata: {name: a}\n').errors[0]).toMatchObject({ code: 'YAML_SYNTAX', line: 3 });
    expect(parseDocuments('apiVersion: projectcalico.org/v3\nkind: NetworkPolcy\nmetadata: {name: a}\n').errors[0]!.message).toContain('did you mean NetworkPolicy?');
    expect(parseDocuments('apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n').errors[0]!.message).toContain('projectcalico.org/v3');
  });

  it('refuses input over the size limit before parsing it', () => {
    const { errors, documents } = parseDocuments('#'.repeat(101), { maxCharacters: 100 });
    expect(documents).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'TOO_LARGE', message: expect.stringContaining('over the limit of 100') })]);
  });

  it('refuses more resources than allowed, and says so once', () => {
    const doc = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n';
    const { errors, resources } = parseDocuments(Array(5).fill(doc).join('---\n'), { maxDocuments: 3 });
    expect(resources).toHaveLength(3);
    expect(errors.filter((e) => e.code === 'TOO_MANY_DOCUMENTS')).toHaveLength(1);
  });

  it('fills in the default namespace for namespaced kinds only', () => {
    const { resources } = parseDocuments(
      'apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: a}\n---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: b}\n',
      { defaultNamespace: 'dev' },
    );
    expect(resources.map((r) => r.metadata.namespace)).toEqual(['dev', undefined]);
  });

  it('reads what kubectl get -o yaml prints for a Kubernetes NetworkPolicy, server fields included', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
  creationTimestamp: "2026-11-01T10:00:00Z"
  generation: 1
  name: web
  namespace: prod
  resourceVersion: "123"
  uid: 3f1b7c1e-0000-4000-8000-000000000000
  managedFields: [{manager: kubectl}]
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: 80
status: {}
`;
    const { errors, resources } = parseDocuments(text);
    expect(errors).toEqual([]);
    expect(resources[0]).toMatchObject({ kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'prod', resourceVersion: '123' } });
  });
});

describe('hostile input', () => {
  it('reports collections nested thousands deep as too deep, never as a crash', () => {
    for (const text of ['metadata:\n  labels: ' + '['.repeat(5000) + ']'.repeat(5000), 'x: ' + '{a: '.repeat(5000) + '1' + '}'.repeat(5000), '- '.repeat(20000) + 'x']) {
      const result = validateDocuments(text);
      expect(result.valid).toBe(false);
      expect(result.errors.map((e) => e.message)).toEqual([expect.stringContaining('nests too deeply')]);
    }
  });

  it('refuses alias expansion bombs', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    const result = validateDocuments(bomb);
    expect(result.valid).toBe(false);
    expect(result.errors[0]?.message).toMatch(/alias/i);
  });
});
