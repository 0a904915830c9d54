import { describe, expect, it } from 'vitest';
import { validate } from './resource.js';

const v3 = (kind: string, metadata: object, spec?: object) => ({ apiVersion: 'projectcalico.org/v3', kind, metadata, ...(spec ? { spec } : {}) });
const errors = (resource: unknown) => validate(resource).errors.map((e) => `${e.path}: ${e.message}`);

describe('validate', () => {
  it('accepts the built-in tiers only with their fixed order and default action', () => {
    expect(validate(v3('Tier', { name: 'kube-admin' }, { order: 1000, defaultAction: 'Pass' })).valid).toBe(true);
    expect(errors(v3('Tier', { name: 'default' }, {}))).toEqual(['spec.order: default tier order must be 1000000']);
    expect(validate(v3('Tier', { name: 'security' }, {})).valid).toBe(true);
  });

  it('checks host endpoints as Calico does', () => {
    expect(errors(v3('HostEndpoint', { name: 'h' }, { node: 'n1', interfaceName: 'eth0.100.very-long', expectedIPs: ['10.0.0.1/32'], ports: [{ name: 'ssh', protocol: 'ICMP', port: 22 }] }))).toEqual([
      "spec.interfaceName: \"eth0.100.very-long\" is not an interface name: use * or 1 to 15 letters, digits, '_', '.' or '-'",
      'spec.expectedIPs[0]: "10.0.0.1/32" is not an IP address',
      'spec.ports[0].protocol: EndpointPort protocol does not support ports.',
    ]);
    expect(errors(v3('HostEndpoint', { name: 'h' }, { node: 'n1' }))).toEqual(['spec: at least one of interfaceName or expectedIPs must be specified']);
    expect(validate(v3('HostEndpoint', { name: 'h', labels: { role: 'k8s-worker' } }, { node: 'n1', interfaceName: '*' })).valid).toBe(true);
  });

  it('checks label keys and values, and annotation keys', () => {
    expect(errors(v3('GlobalNetworkSet', { name: 's', labels: { 'bad key': 'x', ok: 'value with spaces' } }, { nets: ['10.0.0.0/8'] }))).toEqual([
      "metadata.labels[\"bad key\"]: \"bad key\" is not a valid key: the name part must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit",
      "metadata.labels.ok: label value \"value with spaces\" must be empty or consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit",
    ]);
    expect(errors(v3('GlobalNetworkSet', { name: 's', labels: { n: 1 } }, {}))).toEqual(['metadata.labels.n: must be a string (quote numbers and booleans in YAML), not the number 1']);
  });

  it('accepts CIDRs, bare IPs and host bits in network sets but not in rules', () => {
    expect(validate(v3('NetworkSet', { name: 's', namespace: 'prod' }, { nets: ['10.0.0.1', '10.1.2.3/16', 'fd00::/64'] })).valid).toBe(true);
    expect(errors(v3('GlobalNetworkPolicy', { name: 'p' }, { egress: [{ action: 'Allow', destination: { nets: ['10.0.0.1'] } }] }))).toEqual([
      'spec.egress[0].destination.nets[0]: "10.0.0.1" is an address, not a network: write 10.0.0.1/32',
    ]);
    expect(errors(v3('GlobalNetworkPolicy', { name: 'p' }, { ingress: [{ action: 'Allow', source: { notNets: ['::/0'] } }] }))).toEqual([
      'spec.ingress[0].source.notNets[0]: catch-all CIDR in negation creates logical contradiction (matches no traffic)',
    ]);
  });

  it('accepts named ports without a protocol but not with one that has no ports', () => {
    expect(validate(v3('GlobalNetworkPolicy', { name: 'p' }, { ingress: [{ action: 'Allow', destination: { ports: ['http'] } }] })).valid).toBe(true);
    expect(errors(v3('GlobalNetworkPolicy', { name: 'p' }, { ingress: [{ action: 'Allow', protocol: 'UDPLite', destination: { ports: [53] } }] }))).toEqual([
      'spec.ingress[0].destination.ports: rules that specify ports must set protocol to TCP or UDP or SCTP (protocol UDPLite has no ports)',
    ]);
  });

  it('names protocol spelling mistakes', () => {
    expect(errors(v3('GlobalNetworkPolicy', { name: 'p' }, { ingress: [{ action: 'Allow', protocol: 'tcp' }] }))).toEqual([
      'spec.ingress[0].protocol: protocol "tcp" is not known (protocol names are case-sensitive: write TCP)',
    ]);
  });

  it('requires a staged Delete to carry nothing but the tier', () => {
    expect(validate(v3('StagedGlobalNetworkPolicy', { name: 'p' }, { stagedAction: 'Delete', tier: 'security' })).valid).toBe(true);
    expect(errors(v3('StagedGlobalNetworkPolicy', { name: 'p' }, { stagedAction: 'Delete', selector: 'all()' }))).toEqual([
      'spec.selector: Spec fields, except Tier, should all be zero-value if stagedAction is Delete',
    ]);
  });

  it('needs a namespace on a service match in a global policy', () => {
    expect(errors(v3('GlobalNetworkPolicy', { name: 'p' }, { egress: [{ action: 'Allow', destination: { services: { name: 'kube-dns' } } }] }))).toEqual([
      'spec.egress[0].destination.services.namespace: must specify a namespace: a GlobalNetworkPolicy has no namespace to default to',
    ]);
  });

  it('refuses anything that is not a resource', () => {
    expect(errors('kind: x')).toEqual([': must be a resource (an object with apiVersion, kind, metadata and spec)']);
    expect(errors({ kind: 'Tier' })).toEqual(['apiVersion: is required (for example projectcalico.org/v3 or networking.k8s.io/v1)']);
  });
});
