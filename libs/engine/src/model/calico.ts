// projectcalico.org/v3 kinds, field for field as Calico defines them.
import { boolean, list, number, object, oneOf, optional, string, type Infer, type Schema } from '../schema/schema.js';
import { cidrList, labels, objectMeta, protocol } from './fields.js';
import { rules } from './rule.js';
import { kubernetesNetworkPolicySpecShape } from './kubernetes.js';

export const POLICY_TYPES = ['Ingress', 'Egress'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];
export const STAGED_ACTIONS = ['Set', 'Delete', 'Learn', 'Ignore'] as const;
export type StagedAction = (typeof STAGED_ACTIONS)[number];

const selectorField = () => optional(string({ max: 1024 }));

const networkPolicySpecShape = {
  tier: optional(string()),
  order: optional(number()),
  selector: selectorField(),
  types: optional(list(oneOf(POLICY_TYPES), { max: 2, unique: true })),
  ingress: optional(rules),
  egress: optional(rules),
  serviceAccountSelector: selectorField(),
  performanceHints: optional(list(oneOf(['AssumeNeededOnEveryNode'] as const), { unique: true })),
};

const globalNetworkPolicySpecShape = {
  ...networkPolicySpecShape,
  namespaceSelector: selectorField(),
  doNotTrack: optional(boolean()),
  preDNAT: optional(boolean()),
  applyOnForward: optional(boolean()),
};

export const networkPolicySpec = object(networkPolicySpecShape);
export type NetworkPolicySpec = Infer<typeof networkPolicySpec>;
export const globalNetworkPolicySpec = object(globalNetworkPolicySpecShape);
export type GlobalNetworkPolicySpec = Infer<typeof globalNetworkPolicySpec>;
export const stagedNetworkPolicySpec = object({ ...networkPolicySpecShape, stagedAction: optional(oneOf(STAGED_ACTIONS)) });
export type StagedNetworkPolicySpec = Infer<typeof stagedNetworkPolicySpec>;
export const stagedGlobalNetworkPolicySpec = object({ ...globalNetworkPolicySpecShape, stagedAction: optional(oneOf(STAGED_ACTIONS)) });
export type StagedGlobalNetworkPolicySpec = Infer<typeof stagedGlobalNetworkPolicySpec>;
export const stagedKubernetesNetworkPolicySpec = object({ ...kubernetesNetworkPolicySpecShape, stagedAction: optional(oneOf(STAGED_ACTIONS)) });
export type StagedKubernetesNetworkPolicySpec = Infer<typeof stagedKubernetesNetworkPolicySpec>;

export const tierSpec = object({
  order: optional(number()),
  defaultAction: optional(oneOf(['Deny', 'Pass'] as const)),
});
export type TierSpec = Infer<typeof tierSpec>;

export const networkSetSpec = object({ nets: optional(cidrList(100_000)) });
export type NetworkSetSpec = Infer<typeof networkSetSpec>;

export const endpointPort = object({
  name: string(),
  protocol,
  port: number({ integer: true, min: 0, max: 65535 }),
});

export const hostEndpointSpec = object({
  node: optional(string()),
  interfaceName: optional(string()),
  expectedIPs: optional(list(string())),
  profiles: optional(list(string())),
  ports: optional(list(endpointPort)),
});
export type HostEndpointSpec = Infer<typeof hostEndpointSpec>;

export const workloadEndpointPort = object({
  name: optional(string()),
  protocol,
  port: number({ integer: true, min: 0, max: 65535 }),
  hostPort: optional(number({ integer: true, min: 0, max: 65535 })),
  hostIP: optional(string()),
});

export const workloadEndpointSpec = object(
  {
    orchestrator: optional(string()),
    workload: optional(string()),
    node: optional(string()),
    containerID: optional(string()),
    pod: optional(string()),
    endpoint: optional(string()),
    serviceAccountName: optional(string()),
    ipNetworks: optional(list(string())),
    ipNATs: optional(list(object({ internalIP: string(), externalIP: string() }))),
    ipv4Gateway: optional(string()),
    ipv6Gateway: optional(string()),
    profiles: optional(list(string())),
    interfaceName: optional(string()),
    mac: optional(string()),
    ports: optional(list(workloadEndpointPort)),
    allowSpoofedSourcePrefixes: optional(list(string())),
  },
  // Bandwidth and connection limits do not change policy verdicts.
  { ignoredFields: ['qosControls'] },
);
export type WorkloadEndpointSpec = Infer<typeof workloadEndpointSpec>;

export const profileSpec = object({
  ingress: optional(rules),
  egress: optional(rules),
  labelsToApply: optional(labels),
});
export type ProfileSpec = Infer<typeof profileSpec>;

/** FelixConfiguration's failsafe ports: protocol and port, optionally restricted to a CIDR. */
export const protoPort = object({
  protocol: optional(string()),
  port: number({ integer: true, min: 0, max: 65535 }),
  net: optional(string()),
});
export type ProtoPort = Infer<typeof protoPort>;

/** FelixConfiguration: only the fields that change verdicts are read; the many others are accepted and ignored. */
export const felixConfigurationSpec = object(
  {
    failsafeInboundHostPorts: optional(list(protoPort)),
    failsafeOutboundHostPorts: optional(list(protoPort)),
    defaultEndpointToHostAction: optional(oneOf(['Drop', 'Accept', 'Return'] as const)),
  },
  { unknown: 'ignore' },
);
export type FelixConfigurationSpec = Infer<typeof felixConfigurationSpec>;

const calico = <K extends string, T>(kind: K, spec: Schema<T>) =>
  object({ apiVersion: oneOf(['projectcalico.org/v3'] as const), kind: oneOf([kind] as const), metadata: objectMeta, spec: optional(spec) }, { ignoredFields: ['status'] });

export const calicoNetworkPolicy = calico('NetworkPolicy', networkPolicySpec);
export const calicoGlobalNetworkPolicy = calico('GlobalNetworkPolicy', globalNetworkPolicySpec);
export const calicoStagedNetworkPolicy = calico('StagedNetworkPolicy', stagedNetworkPolicySpec);
export const calicoStagedGlobalNetworkPolicy = calico('StagedGlobalNetworkPolicy', stagedGlobalNetworkPolicySpec);
export const calicoStagedKubernetesNetworkPolicy = calico('StagedKubernetesNetworkPolicy', stagedKubernetesNetworkPolicySpec);
export const calicoTier = calico('Tier', tierSpec);
export const calicoNetworkSet = calico('NetworkSet', networkSetSpec);
export const calicoGlobalNetworkSet = calico('GlobalNetworkSet', networkSetSpec);
export const calicoHostEndpoint = calico('HostEndpoint', hostEndpointSpec);
export const calicoWorkloadEndpoint = calico('WorkloadEndpoint', workloadEndpointSpec);
export const calicoProfile = calico('Profile', profileSpec);
export const calicoFelixConfiguration = calico('FelixConfiguration', felixConfigurationSpec);

export type CalicoNetworkPolicy = Infer<typeof calicoNetworkPolicy>;
export type CalicoGlobalNetworkPolicy = Infer<typeof calicoGlobalNetworkPolicy>;
export type CalicoStagedNetworkPolicy = Infer<typeof calicoStagedNetworkPolicy>;
export type CalicoStagedGlobalNetworkPolicy = Infer<typeof calicoStagedGlobalNetworkPolicy>;
export type CalicoStagedKubernetesNetworkPolicy = Infer<typeof calicoStagedKubernetesNetworkPolicy>;
export type CalicoTier = Infer<typeof calicoTier>;
export type CalicoNetworkSet = Infer<typeof calicoNetworkSet>;
export type CalicoGlobalNetworkSet = Infer<typeof calicoGlobalNetworkSet>;
export type CalicoHostEndpoint = Infer<typeof calicoHostEndpoint>;
export type CalicoWorkloadEndpoint = Infer<typeof calicoWorkloadEndpoint>;
export type CalicoProfile = Infer<typeof calicoProfile>;
export type CalicoFelixConfiguration = Infer<typeof calicoFelixConfiguration>;
