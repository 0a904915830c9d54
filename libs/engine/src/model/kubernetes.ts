// Kubernetes kinds the engine reads. NetworkPolicy and ClusterNetworkPolicy are policy people
// write, so they are read strictly like Calico's kinds. Namespaces, ServiceAccounts and Pods are
// cluster state as `kubectl get -o yaml` prints it: only the fields that decide verdicts are read
// and the rest is ignored, because those objects carry far more than policy needs.
import { boolean, custom, issue, list, number, object, oneOf, optional, string, typeName, type Infer, type Schema } from '../schema/schema.js';
import { labels, objectMeta } from './fields.js';

export const labelSelectorRequirement = object({
  key: string({ min: 1 }),
  operator: oneOf(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const),
  values: optional(list(string())),
});

/** metav1.LabelSelector. An empty selector ({}) selects everything; a missing one nothing or a default, by context. */
export const labelSelector = object({
  matchLabels: optional(labels),
  matchExpressions: optional(list(labelSelectorRequirement)),
});
export type LabelSelector = Infer<typeof labelSelector>;

/** A NetworkPolicy port number or name (IntOrString). */
const intOrString: Schema<number | string> = custom('a port number or name', (value, path, ctx) => {
  if (typeof value === 'string') return value.length > 0 ? value : issue(ctx, path, 'must not be empty');
  if (typeof value === 'number' && Number.isInteger(value)) return value < 1 || value > 65535 ? issue(ctx, path, `must be between 1 and 65535, not ${value}`) : value;
  return issue(ctx, path, `must be a port number or name, not ${typeName(value)}`);
});

export const K8S_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

export const networkPolicyPort = object({
  protocol: optional(oneOf(K8S_PROTOCOLS)),
  port: optional(intOrString),
  endPort: optional(number({ integer: true, min: 1, max: 65535 })),
});
export type NetworkPolicyPort = Infer<typeof networkPolicyPort>;

export const ipBlock = object({ cidr: string({ min: 1 }), except: optional(list(string())) });

export const networkPolicyPeer = object({
  podSelector: optional(labelSelector),
  namespaceSelector: optional(labelSelector),
  ipBlock: optional(ipBlock),
});
export type NetworkPolicyPeer = Infer<typeof networkPolicyPeer>;

export const networkPolicyIngressRule = object({ from: optional(list(networkPolicyPeer)), ports: optional(list(networkPolicyPort)) });
export const networkPolicyEgressRule = object({ to: optional(list(networkPolicyPeer)), ports: optional(list(networkPolicyPort)) });

export const kubernetesNetworkPolicySpecShape = {
  podSelector: optional(labelSelector),
  policyTypes: optional(list(oneOf(['Ingress', 'Egress'] as const), { max: 2, unique: true })),
  ingress: optional(list(networkPolicyIngressRule)),
  egress: optional(list(networkPolicyEgressRule)),
};
export const kubernetesNetworkPolicySpec = object(kubernetesNetworkPolicySpecShape);
export type KubernetesNetworkPolicySpec = Infer<typeof kubernetesNetworkPolicySpec>;

export const kubernetesNetworkPolicy = object(
  { apiVersion: oneOf(['networking.k8s.io/v1'] as const), kind: oneOf(['NetworkPolicy'] as const), metadata: objectMeta, spec: optional(kubernetesNetworkPolicySpec) },
  { ignoredFields: ['status'] },
);
export type KubernetesNetworkPolicy = Infer<typeof kubernetesNetworkPolicy>;

// ClusterNetworkPolicy, policy.networking.k8s.io/v1alpha2 (kubernetes-sigs/network-policy-api).

const cidr = string({ max: 43 });

export const namespacedPod = object({ namespaceSelector: optional(labelSelector), podSelector: labelSelector });

export const cnpSubject = object({ namespaces: optional(labelSelector), pods: optional(namespacedPod) });

export const cnpPort = object({
  number: optional(number({ integer: true, min: 1, max: 65535 })),
  range: optional(object({ start: number({ integer: true, min: 1, max: 65535 }), end: number({ integer: true, min: 1, max: 65535 }) })),
});

const cnpProtocolPorts = object({ destinationPort: optional(cnpPort) });

export const cnpProtocol = object({
  tcp: optional(cnpProtocolPorts),
  udp: optional(cnpProtocolPorts),
  sctp: optional(cnpProtocolPorts),
  destinationNamedPort: optional(string()),
});
export type CnpProtocol = Infer<typeof cnpProtocol>;

export const cnpIngressPeer = object({ namespaces: optional(labelSelector), pods: optional(namespacedPod) });
export const cnpEgressPeer = object({
  namespaces: optional(labelSelector),
  pods: optional(namespacedPod),
  nodes: optional(labelSelector),
  networks: optional(list(cidr, { max: 25 })),
  domainNames: optional(list(string(), { max: 25 })),
});
export type CnpIngressPeer = Infer<typeof cnpIngressPeer>;
export type CnpEgressPeer = Infer<typeof cnpEgressPeer>;

export const CNP_ACTIONS = ['Accept', 'Deny', 'Pass'] as const;

export const cnpIngressRule = object({
  name: optional(string({ max: 100 })),
  action: oneOf(CNP_ACTIONS),
  from: list(cnpIngressPeer, { max: 25 }),
  protocols: optional(list(cnpProtocol, { max: 25 })),
});
export const cnpEgressRule = object({
  name: optional(string({ max: 100 })),
  action: oneOf(CNP_ACTIONS),
  to: list(cnpEgressPeer, { max: 25 }),
  protocols: optional(list(cnpProtocol, { max: 25 })),
});
export type CnpIngressRule = Infer<typeof cnpIngressRule>;
export type CnpEgressRule = Infer<typeof cnpEgressRule>;

export const clusterNetworkPolicySpec = object({
  tier: oneOf(['Admin', 'Baseline'] as const),
  priority: number({ integer: true, min: 0, max: 1000 }),
  subject: cnpSubject,
  ingress: optional(list(cnpIngressRule, { max: 25 })),
  egress: optional(list(cnpEgressRule, { max: 25 })),
});
export type ClusterNetworkPolicySpec = Infer<typeof clusterNetworkPolicySpec>;

export const clusterNetworkPolicy = object(
  { apiVersion: oneOf(['policy.networking.k8s.io/v1alpha2'] as const), kind: oneOf(['ClusterNetworkPolicy'] as const), metadata: objectMeta, spec: clusterNetworkPolicySpec },
  { ignoredFields: ['status'] },
);
export type ClusterNetworkPolicy = Infer<typeof clusterNetworkPolicy>;

// Cluster state.

const core = <K extends string, S extends Record<string, Schema<unknown>>>(kind: K, extra: S) =>
  object({ apiVersion: oneOf(['v1'] as const), kind: oneOf([kind] as const), metadata: objectMeta, ...extra }, { unknown: 'ignore' });

export const namespace = core('Namespace', {});
export type Namespace = Infer<typeof namespace>;

export const serviceAccount = core('ServiceAccount', {});
export type ServiceAccount = Infer<typeof serviceAccount>;

export const containerPort = object(
  {
    name: optional(string()),
    containerPort: number({ integer: true, min: 1, max: 65535 }),
    protocol: optional(oneOf(K8S_PROTOCOLS)),
    hostPort: optional(number({ integer: true })),
    hostIP: optional(string()),
  },
  { unknown: 'ignore' },
);
const container = object({ name: optional(string()), ports: optional(list(containerPort)) }, { unknown: 'ignore' });

export const podSpec = object(
  {
    nodeName: optional(string()),
    serviceAccountName: optional(string()),
    serviceAccount: optional(string()),
    hostNetwork: optional(boolean()),
    containers: optional(list(container)),
    initContainers: optional(list(container)),
  },
  { unknown: 'ignore' },
);

export const podStatus = object(
  { phase: optional(string()), podIP: optional(string()), podIPs: optional(list(object({ ip: string() }, { unknown: 'ignore' }))), hostIP: optional(string()) },
  { unknown: 'ignore' },
);

export const pod = core('Pod', { spec: optional(podSpec), status: optional(podStatus) });
export type Pod = Infer<typeof pod>;

const nodeAddress = object({ type: string(), address: string() }, { unknown: 'ignore' });
export const nodeStatus = object({ addresses: optional(list(nodeAddress)) }, { unknown: 'ignore' });
export const node = core('Node', { status: optional(nodeStatus) });
export type Node = Infer<typeof node>;

// discovery.k8s.io/v1 EndpointSlice: which addresses and ports back a Service.
const endpointSliceEndpoint = object(
  {
    addresses: list(string()),
    conditions: optional(object({ ready: optional(boolean()), serving: optional(boolean()), terminating: optional(boolean()) }, { unknown: 'ignore' })),
    targetRef: optional(object({ kind: optional(string()), name: optional(string()), namespace: optional(string()) }, { unknown: 'ignore' })),
    nodeName: optional(string()),
  },
  { unknown: 'ignore' },
);
const endpointSlicePort = object({ name: optional(string()), port: optional(number({ integer: true, min: 1, max: 65535 })), protocol: optional(oneOf(K8S_PROTOCOLS)) }, { unknown: 'ignore' });

export const endpointSlice = object(
  {
    apiVersion: oneOf(['discovery.k8s.io/v1'] as const),
    kind: oneOf(['EndpointSlice'] as const),
    metadata: objectMeta,
    addressType: oneOf(['IPv4', 'IPv6', 'FQDN'] as const),
    endpoints: optional(list(endpointSliceEndpoint)),
    ports: optional(list(endpointSlicePort)),
  },
  { unknown: 'ignore' },
);
export type EndpointSlice = Infer<typeof endpointSlice>;
