import { convertKubernetesNetworkPolicy } from '../k8s/network-policy.js';
import type * as calico from '../model/calico.js';
import type { ClusterNetworkPolicy, CnpProtocol, KubernetesNetworkPolicy, LabelSelector, NetworkPolicyPort } from '../model/kubernetes.js';
import {
  annotationsProblems,
  dnsLabelProblem,
  dnsSubdomainProblem,
  globalPolicyNameProblem,
  namespacedPolicyNameProblem,
  portNameProblem,
  qualifiedNameProblem,
  labelValueProblem,
} from '../model/names.js';
import { decodeResource, resourceType, type Resource } from '../model/resources.js';
import { parseCidr, parseIp } from '../net/index.js';
import { asProtocol, protocolProblem, supportsPorts } from '../numorstring/index.js';
import type { Issue, Path } from '../schema/schema.js';
import { BUILTIN_TIERS } from '../tiers.js';
import { Issues } from './issues.js';
import { validateRule } from './rule.js';
import { checkSelector } from './selectors.js';

type PolicySpec = calico.NetworkPolicySpec & Partial<calico.GlobalNetworkPolicySpec>;

function validateMetadata(issues: Issues, resource: Resource, type: string): void {
  const meta = resource.metadata;
  const name = meta.name;
  const at = ['metadata', 'name'];
  const problem =
    type === 'Tier'
      ? dnsLabelProblem(name, 'name', 63)
      : type === 'NetworkPolicy' || type === 'StagedNetworkPolicy'
        ? (namespacedPolicyNameProblem(name) ?? dnsSubdomainProblem(name))
        : type === 'GlobalNetworkPolicy' || type === 'StagedGlobalNetworkPolicy'
          ? (globalPolicyNameProblem(name) ?? dnsSubdomainProblem(name))
          : type === 'Namespace'
            ? dnsLabelProblem(name)
            : dnsSubdomainProblem(name);
  if (problem) issues.add(at, problem);
  if (meta.namespace !== undefined) {
    const nsProblem = dnsLabelProblem(meta.namespace, 'namespace');
    if (nsProblem) issues.add(['metadata', 'namespace'], nsProblem);
  }
  if (meta.annotations) {
    for (const p of annotationsProblems(meta.annotations)) issues.add(p.key === undefined ? ['metadata', 'annotations'] : ['metadata', 'annotations', p.key], p.message);
  }
  if ((type === 'NetworkSet' || type === 'GlobalNetworkSet') && meta.labels && 'projectcalico.org/namespace' in meta.labels) {
    issues.add(['metadata', 'labels', 'projectcalico.org/namespace'], 'projectcalico.org/namespace is not a valid label name: Calico sets it itself');
  }
}

function validatePolicySpec(issues: Issues, spec: PolicySpec, global: boolean, at: Path = ['spec']): void {
  if (spec.tier !== undefined) {
    const problem = dnsSubdomainProblem(spec.tier, 'tier');
    if (problem) issues.add([...at, 'tier'], problem);
  }
  checkSelector(issues, [...at, 'selector'], spec.selector);
  checkSelector(issues, [...at, 'serviceAccountSelector'], spec.serviceAccountSelector);
  if (global) checkSelector(issues, [...at, 'namespaceSelector'], spec.namespaceSelector);
  spec.ingress?.forEach((rule, i) => validateRule(issues, rule, [...at, 'ingress', i], { direction: 'ingress', global }));
  spec.egress?.forEach((rule, i) => validateRule(issues, rule, [...at, 'egress', i], { direction: 'egress', global }));
  if (global) {
    if (spec.doNotTrack && spec.preDNAT) issues.add([...at, 'preDNAT'], 'preDNAT and doNotTrack cannot both be true');
    if (spec.preDNAT && spec.egress?.length) issues.add([...at, 'egress'], 'preDNAT policy cannot have any egress rules');
    if (spec.preDNAT && spec.types?.includes('Egress')) issues.add([...at, 'types'], "preDNAT policy cannot have 'Egress' type");
    if ((spec.doNotTrack || spec.preDNAT) && !spec.applyOnForward) issues.add([...at, 'applyOnForward'], 'applyOnForward must be true if either preDNAT or doNotTrack is true');
  }
}

const STAGED_DELETE_KEEPS = new Set(['tier', 'stagedAction']);

function validateStagedDelete(issues: Issues, spec: Record<string, unknown>, keep: Set<string>, message: string): boolean {
  if (spec['stagedAction'] !== 'Delete') return false;
  const set = Object.keys(spec).filter((k) => !keep.has(k));
  for (const field of set) issues.add(['spec', field], message);
  return true;
}

function validateLabelSelector(issues: Issues, selector: LabelSelector | undefined, at: Path): void {
  if (!selector) return;
  selector.matchExpressions?.forEach((req, i) => {
    const p = [...at, 'matchExpressions', i];
    const keyProblem = qualifiedNameProblem(req.key);
    if (keyProblem) issues.add([...p, 'key'], keyProblem);
    const values = req.values ?? [];
    if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) issues.add([...p, 'values'], `must be non-empty when operator is ${req.operator}`);
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) issues.add([...p, 'values'], `must be empty when operator is ${req.operator}`);
    values.forEach((v, j) => {
      const problem = labelValueProblem(v);
      if (problem) issues.add([...p, 'values', j], problem);
    });
  });
}

function validateKubernetesPorts(issues: Issues, ports: NetworkPolicyPort[] | undefined, at: Path): void {
  ports?.forEach((port, i) => {
    const p = [...at, i];
    if (typeof port.port === 'string') {
      const problem = portNameProblem(port.port);
      if (problem) issues.add([...p, 'port'], problem);
    }
    if (port.endPort !== undefined) {
      if (port.port === undefined) issues.add([...p, 'endPort'], 'may not be specified when port is not specified');
      else if (typeof port.port === 'string') issues.add([...p, 'endPort'], 'may not be specified when port is a named port');
      else if (port.endPort < port.port) issues.add([...p, 'endPort'], `must be greater than or equal to port (${port.port})`);
    }
  });
}

function validateKubernetesNetworkPolicy(issues: Issues, spec: KubernetesNetworkPolicy['spec'], at: Path = ['spec']): void {
  if (!spec) return;
  validateLabelSelector(issues, spec.podSelector, [...at, 'podSelector']);
  const rules = [
    ...(spec.ingress ?? []).map((r, i) => ({ peers: r.from, ports: r.ports, path: [...at, 'ingress', i], peerField: 'from' })),
    ...(spec.egress ?? []).map((r, i) => ({ peers: r.to, ports: r.ports, path: [...at, 'egress', i], peerField: 'to' })),
  ];
  for (const rule of rules) {
    validateKubernetesPorts(issues, rule.ports, [...rule.path, 'ports']);
    rule.peers?.forEach((peer, j) => {
      const p = [...rule.path, rule.peerField, j];
      const fields = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((f) => f !== undefined).length;
      if (fields === 0) issues.add(p, 'must specify podSelector, namespaceSelector or ipBlock');
      if (peer.ipBlock && fields > 1) issues.add([...p, 'ipBlock'], 'may not be combined with podSelector or namespaceSelector');
      validateLabelSelector(issues, peer.podSelector, [...p, 'podSelector']);
      validateLabelSelector(issues, peer.namespaceSelector, [...p, 'namespaceSelector']);
      if (peer.ipBlock) {
        const cidr = parseCidr(peer.ipBlock.cidr);
        if (!cidr) issues.add([...p, 'ipBlock', 'cidr'], `${JSON.stringify(peer.ipBlock.cidr)} is not a valid CIDR`);
        peer.ipBlock.except?.forEach((text, k) => {
          const e = parseCidr(text);
          const ep = [...p, 'ipBlock', 'except', k];
          if (!e) issues.add(ep, `${JSON.stringify(text)} is not a valid CIDR`);
          else if (cidr && (e.family !== cidr.family || e.prefixLength <= cidr.prefixLength || parseCidr(`${e.network.text}/${cidr.prefixLength}`)?.text !== cidr.text)) {
            issues.add(ep, `must be a strict subset of cidr ${cidr.text}`);
          }
        });
      }
    });
  }
}

function exactlyOne(issues: Issues, value: object, at: Path, fields: string[]): void {
  const set = fields.filter((f) => (value as Record<string, unknown>)[f] !== undefined);
  if (set.length !== 1) issues.add(at, `must set exactly one of ${fields.join(', ')}${set.length ? ` (it sets ${set.join(' and ')})` : ''}`);
}

function validateCnpProtocols(issues: Issues, protocols: CnpProtocol[] | undefined, at: Path): void {
  protocols?.forEach((protocol, i) => {
    const p = [...at, 'protocols', i];
    exactlyOne(issues, protocol, p, ['tcp', 'udp', 'sctp', 'destinationNamedPort']);
    for (const name of ['tcp', 'udp', 'sctp'] as const) {
      const port = protocol[name]?.destinationPort;
      if (!port) continue;
      exactlyOne(issues, port, [...p, name, 'destinationPort'], ['number', 'range']);
      if (port.range && port.range.start >= port.range.end) issues.add([...p, name, 'destinationPort', 'range'], 'Start port must be less than End port');
    }
  });
}

function validateClusterNetworkPolicy(issues: Issues, spec: ClusterNetworkPolicy['spec']): void {
  exactlyOne(issues, spec.subject, ['spec', 'subject'], ['namespaces', 'pods']);
  validateLabelSelector(issues, spec.subject.namespaces, ['spec', 'subject', 'namespaces']);
  validateLabelSelector(issues, spec.subject.pods?.podSelector, ['spec', 'subject', 'pods', 'podSelector']);
  validateLabelSelector(issues, spec.subject.pods?.namespaceSelector, ['spec', 'subject', 'pods', 'namespaceSelector']);
  spec.ingress?.forEach((rule, i) => {
    const at = ['spec', 'ingress', i];
    if (rule.from.length === 0) issues.add([...at, 'from'], 'must have at least one peer');
    rule.from.forEach((peer, j) => exactlyOne(issues, peer, [...at, 'from', j], ['namespaces', 'pods']));
    validateCnpProtocols(issues, rule.protocols, at);
  });
  spec.egress?.forEach((rule, i) => {
    const at = ['spec', 'egress', i];
    if (rule.to.length === 0) issues.add([...at, 'to'], 'must have at least one peer');
    rule.to.forEach((peer, j) => {
      exactlyOne(issues, peer, [...at, 'to', j], ['namespaces', 'pods', 'nodes', 'networks', 'domainNames']);
      peer.networks?.forEach((n, k) => {
        if (!parseCidr(n)) issues.add([...at, 'to', j, 'networks', k], 'Invalid CIDR format provided');
      });
    });
    if (rule.to.some((p) => p.networks || p.nodes || p.domainNames) && rule.protocols?.some((p) => p.destinationNamedPort !== undefined)) {
      issues.add([...at, 'protocols'], 'networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames');
    }
    validateCnpProtocols(issues, rule.protocols, at);
  });
}

function validateTier(issues: Issues, name: string, spec: calico.TierSpec | undefined): void {
  const builtin = BUILTIN_TIERS.find((t) => t.name === name);
  if (!builtin) return;
  if ((spec?.defaultAction ?? 'Deny') !== builtin.defaultAction) issues.add(['spec', 'defaultAction'], `The '${name}' tier must have default action '${builtin.defaultAction}'`);
  if (spec?.order !== builtin.order) issues.add(['spec', 'order'], `${name} tier order must be ${builtin.order}`);
}

export function validateNets(issues: Issues, nets: string[] | undefined, at: Path): void {
  nets?.forEach((text, i) => {
    if (!parseCidr(text, { allowBareIp: true })) issues.add([...at, i], `${JSON.stringify(text)} is not an IP address or CIDR`);
  });
}

export function validateHostEndpointSpec(issues: Issues, spec: calico.HostEndpointSpec, at: Path = ['spec']): void {
  if (!spec.node) issues.add([...at, 'node'], 'node must be specified');
  else {
    const problem = dnsSubdomainProblem(spec.node, 'node');
    if (problem) issues.add([...at, 'node'], problem);
  }
  if (!spec.interfaceName && !spec.expectedIPs?.length) issues.add(at, 'at least one of interfaceName or expectedIPs must be specified');
  if (spec.interfaceName && spec.interfaceName !== '*' && !/^[a-zA-Z0-9_.-]{1,15}$/.test(spec.interfaceName)) {
    issues.add([...at, 'interfaceName'], `${JSON.stringify(spec.interfaceName)} is not an interface name: use * or 1 to 15 letters, digits, '_', '.' or '-'`);
  }
  spec.expectedIPs?.forEach((ip, i) => {
    if (!parseIp(ip)) issues.add([...at, 'expectedIPs', i], `${JSON.stringify(ip)} is not an IP address`);
  });
  spec.profiles?.forEach((profile, i) => {
    const problem = dnsSubdomainProblem(profile, 'profile name');
    if (problem) issues.add([...at, 'profiles', i], problem);
  });
  spec.ports?.forEach((port, i) => {
    const p = [...at, 'ports', i];
    const nameProblem = portNameProblem(port.name);
    if (nameProblem) issues.add([...p, 'name'], nameProblem);
    const portProtocol = asProtocol(port.protocol);
    const protocolIssue = protocolProblem(portProtocol);
    if (protocolIssue) issues.add([...p, 'protocol'], protocolIssue);
    else if (!supportsPorts(portProtocol)) issues.add([...p, 'protocol'], 'EndpointPort protocol does not support ports.');
    if (port.port < 1) issues.add([...p, 'port'], 'must be between 1 and 65535');
  });
}

/** Semantic checks of a decoded resource, per kind, as Calico's validator and CRD rules make them. */
export function validateDecoded(resource: Resource): Issue[] {
  const issues = new Issues();
  const type = resourceType(resource);
  validateMetadata(issues, resource, type);
  switch (resource.kind) {
    case 'NetworkPolicy':
      if (resource.apiVersion === 'projectcalico.org/v3') validatePolicySpec(issues, resource.spec ?? {}, false);
      else validateKubernetesNetworkPolicy(issues, resource.spec);
      break;
    case 'GlobalNetworkPolicy':
      validatePolicySpec(issues, resource.spec ?? {}, true);
      break;
    case 'StagedNetworkPolicy':
    case 'StagedGlobalNetworkPolicy': {
      const spec = resource.spec ?? {};
      if (!validateStagedDelete(issues, spec, STAGED_DELETE_KEEPS, 'Spec fields, except Tier, should all be zero-value if stagedAction is Delete')) {
        validatePolicySpec(issues, spec, resource.kind === 'StagedGlobalNetworkPolicy');
      }
      break;
    }
    case 'StagedKubernetesNetworkPolicy': {
      const spec = resource.spec ?? {};
      if (!validateStagedDelete(issues, spec, new Set(['stagedAction']), 'Spec fields should all be zero-value if stagedAction is Delete')) {
        const before = issues.list.length;
        validateKubernetesNetworkPolicy(issues, spec);
        if (issues.list.length > before) break;
        const { stagedAction: _staged, ...k8sSpec } = spec;
        const converted = convertKubernetesNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: resource.metadata, spec: k8sSpec });
        for (const error of converted.errors) issues.add(['spec', ...error.path], `conversion to a Calico policy failed: ${error.message}`);
      }
      break;
    }
    case 'Tier':
      validateTier(issues, resource.metadata.name, resource.spec);
      break;
    case 'NetworkSet':
    case 'GlobalNetworkSet':
      validateNets(issues, resource.spec?.nets, ['spec', 'nets']);
      break;
    case 'HostEndpoint':
      validateHostEndpointSpec(issues, resource.spec ?? {});
      break;
    case 'Profile':
      resource.spec?.ingress?.forEach((rule, i) => validateRule(issues, rule, ['spec', 'ingress', i], { direction: 'ingress' }));
      resource.spec?.egress?.forEach((rule, i) => validateRule(issues, rule, ['spec', 'egress', i], { direction: 'egress' }));
      break;
    case 'WorkloadEndpoint':
      resource.spec?.ipNetworks?.forEach((net, i) => {
        const cidr = parseCidr(net, { allowBareIp: true });
        if (!cidr || cidr.prefixLength !== (cidr.family === 4 ? 32 : 128)) issues.add(['spec', 'ipNetworks', i], `${JSON.stringify(net)} must be a single address (/32 or /128)`);
      });
      break;
    case 'ClusterNetworkPolicy':
      validateClusterNetworkPolicy(issues, resource.spec);
      break;
    case 'FelixConfiguration':
      for (const field of ['failsafeInboundHostPorts', 'failsafeOutboundHostPorts'] as const) {
        resource.spec?.[field]?.forEach((p, i) => {
          const at = ['spec', field, i];
          if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol.toUpperCase())) issues.add([...at, 'protocol'], `must be TCP, UDP or SCTP, not ${JSON.stringify(p.protocol)}`);
          if (p.net !== undefined && !parseCidr(p.net, { allowBareIp: true })) issues.add([...at, 'net'], `${JSON.stringify(p.net)} is not a CIDR`);
        });
      }
      break;
    case 'Namespace':
    case 'ServiceAccount':
    case 'Pod':
    case 'Node':
    case 'EndpointSlice':
      break;
  }
  return issues.list;
}

export interface ValidationError {
  /** Where, as people read it: "spec.ingress[0].protocol". */
  path: string;
  message: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: ValidationError[];
}

import { formatPath } from '../parse/locate.js';

/**
 * Validates one resource, typed or straight from parsed JSON/YAML: structure first (unknown fields,
 * types, ranges), then Calico's rules. Every error names the field path it concerns.
 */
export function validate(resource: unknown): ValidationResult {
  const decoded = decodeResource(resource);
  const issues = decoded.resource ? validateDecoded(decoded.resource) : decoded.issues;
  return { valid: issues.length === 0, errors: issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
}
