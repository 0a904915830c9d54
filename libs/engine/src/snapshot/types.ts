import type { Action } from '../model/rule.js';
import type { PolicyType } from '../model/calico.js';
import type { HttpMatch } from '../model/rule.js';
import type { ParsedCidr, ParsedIp } from '../net/index.js';
import type { Labels } from '../selector/compile.js';
import type { Selector } from '../selector/selector.js';

/** Where a snapshot object came from, for errors and traces. */
export interface SourceRef {
  /** Palisade type name (KubernetesNetworkPolicy, Pod ...). */
  type: string;
  name: string;
  namespace?: string;
  /** Position of the document in the input, when known. */
  document?: number;
}

export interface NamedPort {
  name: string;
  /** IP protocol number. */
  protocol: number;
  port: number;
}

/** A workload (pod, VM) or a host endpoint (an interface of a node): what policy applies to. */
export interface Endpoint {
  /** "namespace/pod" for workloads; "hep:node/name" for host endpoints. */
  id: string;
  kind: 'workload' | 'host';
  name: string;
  namespace?: string;
  node?: string;
  /** Labels as selectors see them (with what Calico adds and inherits). */
  labels: Labels;
  ips: ParsedIp[];
  ports: NamedPort[];
  /** Profiles in the order they apply after every tier. */
  profiles: string[];
  serviceAccount?: string;
  interfaceName?: string;
  source: SourceRef;
}

export interface NetworkSetInfo {
  id: string;
  name: string;
  namespace?: string;
  labels: Labels;
  nets: ParsedCidr[];
  source: SourceRef;
}

/** What a selector can select besides a policy: an endpoint or a network set. */
export type Member = { kind: 'endpoint'; endpoint: Endpoint } | { kind: 'networkSet'; set: NetworkSetInfo };

export interface NodeInfo {
  name: string;
  labels: Labels;
  internalIps: ParsedIp[];
  /** Host endpoints of this node, by id. */
  hostEndpoints: string[];
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  addresses: ParsedIp[];
  ports: { name?: string; port: number; protocol: number }[];
}

export interface TierInfo {
  name: string;
  order?: number;
  defaultAction: 'Deny' | 'Pass';
  /** A tier that policies name but no Tier resource defines: sorted last, as Calico sorts it. */
  missing?: boolean;
}

/** One port of a rule: a number range or a name resolved on the endpoint that owns it. */
export type PortMatch = { min: number; max: number } | { name: string };

export interface CompiledEntity {
  nets?: ParsedCidr[];
  notNets?: ParsedCidr[];
  /** The selector as Calico matches with it (namespace confinement, pcns./pcsa. labels). */
  selector?: Selector;
  notSelector?: Selector;
  ports?: PortMatch[];
  notPorts?: PortMatch[];
  services?: { namespace: string; name: string };
  /** The fields as written, for explanations. */
  written: {
    selector?: string;
    notSelector?: string;
    namespaceSelector?: string;
    serviceAccounts?: string;
    ports?: string;
    notPorts?: string;
  };
}

export interface CompiledRule {
  index: number;
  action: Action;
  ipVersion?: 4 | 6;
  protocol?: number;
  notProtocol?: number;
  icmp?: { type?: number; code?: number };
  notIcmp?: { type?: number; code?: number };
  source: CompiledEntity;
  destination: CompiledEntity;
  http?: HttpMatch;
}

export interface PolicyInfo {
  /** "<type>/<namespace>/<name>" or "<type>/<name>". */
  id: string;
  type: string;
  name: string;
  namespace?: string;
  tier: string;
  order?: number;
  /** Staged policies are evaluated beside the enforced ones without changing the verdict. */
  staged?: { action: 'Set' | 'Delete'; replaces: string };
  selector: Selector;
  /** The selector fields as written, for explanations. */
  written: { selector?: string; namespaceSelector?: string; serviceAccountSelector?: string };
  types: PolicyType[];
  ingress: CompiledRule[];
  egress: CompiledRule[];
  doNotTrack: boolean;
  preDNAT: boolean;
  applyOnForward: boolean;
  /** Calico 3.32's tie-break within a tier and order: "<name>/<namespace>/<kind>". */
  sortKey: string;
  source: SourceRef;
}

export interface ProfileInfo {
  name: string;
  ingress: CompiledRule[];
  egress: CompiledRule[];
  labelsToApply?: Labels;
}

export interface Failsafe {
  protocol: number;
  port: number;
  net?: ParsedCidr;
}

export interface FelixSettings {
  failsafeInbound: Failsafe[];
  failsafeOutbound: Failsafe[];
  defaultEndpointToHostAction: 'Drop' | 'Accept' | 'Return';
}

/** A problem with the snapshot as a whole: two pods with one IP, a policy in a missing tier. */
export interface SnapshotError {
  message: string;
  /** The objects involved, with the field at fault. */
  refs: (SourceRef & { field?: string })[];
}
