import { closest, issue, type DecodeContext, type Infer, type Issue, type Path, type Schema } from '../schema/schema.js';
import * as calico from './calico.js';
import * as k8s from './kubernetes.js';

interface KindInfo {
  /** The name Palisade uses for the kind; unique across API groups (KubernetesNetworkPolicy). */
  type: string;
  apiVersion: string;
  kind: string;
  namespaced: boolean;
  schema: Schema<unknown>;
}

const info = (type: string, apiVersion: string, kind: string, namespaced: boolean, schema: Schema<unknown>): KindInfo => ({ type, apiVersion, kind, namespaced, schema });

/** Every kind the engine reads, by apiVersion and kind. */
export const KINDS: readonly KindInfo[] = [
  info('NetworkPolicy', 'projectcalico.org/v3', 'NetworkPolicy', true, calico.calicoNetworkPolicy),
  info('GlobalNetworkPolicy', 'projectcalico.org/v3', 'GlobalNetworkPolicy', false, calico.calicoGlobalNetworkPolicy),
  info('StagedNetworkPolicy', 'projectcalico.org/v3', 'StagedNetworkPolicy', true, calico.calicoStagedNetworkPolicy),
  info('StagedGlobalNetworkPolicy', 'projectcalico.org/v3', 'StagedGlobalNetworkPolicy', false, calico.calicoStagedGlobalNetworkPolicy),
  info('StagedKubernetesNetworkPolicy', 'projectcalico.org/v3', 'StagedKubernetesNetworkPolicy', true, calico.calicoStagedKubernetesNetworkPolicy),
  info('Tier', 'projectcalico.org/v3', 'Tier', false, calico.calicoTier),
  info('NetworkSet', 'projectcalico.org/v3', 'NetworkSet', true, calico.calicoNetworkSet),
  info('GlobalNetworkSet', 'projectcalico.org/v3', 'GlobalNetworkSet', false, calico.calicoGlobalNetworkSet),
  info('HostEndpoint', 'projectcalico.org/v3', 'HostEndpoint', false, calico.calicoHostEndpoint),
  info('WorkloadEndpoint', 'projectcalico.org/v3', 'WorkloadEndpoint', true, calico.calicoWorkloadEndpoint),
  info('Profile', 'projectcalico.org/v3', 'Profile', false, calico.calicoProfile),
  info('FelixConfiguration', 'projectcalico.org/v3', 'FelixConfiguration', false, calico.calicoFelixConfiguration),
  info('KubernetesNetworkPolicy', 'networking.k8s.io/v1', 'NetworkPolicy', true, k8s.kubernetesNetworkPolicy),
  info('ClusterNetworkPolicy', 'policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', false, k8s.clusterNetworkPolicy),
  info('Namespace', 'v1', 'Namespace', false, k8s.namespace),
  info('ServiceAccount', 'v1', 'ServiceAccount', true, k8s.serviceAccount),
  info('Pod', 'v1', 'Pod', true, k8s.pod),
  info('Node', 'v1', 'Node', false, k8s.node),
  info('EndpointSlice', 'discovery.k8s.io/v1', 'EndpointSlice', true, k8s.endpointSlice),
];

export type Resource =
  | Infer<typeof calico.calicoNetworkPolicy>
  | Infer<typeof calico.calicoGlobalNetworkPolicy>
  | Infer<typeof calico.calicoStagedNetworkPolicy>
  | Infer<typeof calico.calicoStagedGlobalNetworkPolicy>
  | Infer<typeof calico.calicoStagedKubernetesNetworkPolicy>
  | Infer<typeof calico.calicoTier>
  | Infer<typeof calico.calicoNetworkSet>
  | Infer<typeof calico.calicoGlobalNetworkSet>
  | Infer<typeof calico.calicoHostEndpoint>
  | Infer<typeof calico.calicoWorkloadEndpoint>
  | Infer<typeof calico.calicoProfile>
  | Infer<typeof calico.calicoFelixConfiguration>
  | k8s.KubernetesNetworkPolicy
  | k8s.ClusterNetworkPolicy
  | k8s.Namespace
  | k8s.ServiceAccount
  | k8s.Pod
  | k8s.Node
  | k8s.EndpointSlice;

export type ResourceType = (typeof KINDS)[number]['type'];

export function kindInfo(apiVersion: string, kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}

/** The Palisade type name of a resource: its kind, except networking.k8s.io NetworkPolicy → KubernetesNetworkPolicy. */
export function resourceType(resource: Pick<Resource, 'apiVersion' | 'kind'>): string {
  return kindInfo(resource.apiVersion, resource.kind)?.type ?? resource.kind;
}

export function isNamespaced(resource: Pick<Resource, 'apiVersion' | 'kind'>): boolean {
  return kindInfo(resource.apiVersion, resource.kind)?.namespaced ?? false;
}

const API_VERSIONS = [...new Set(KINDS.map((k) => k.apiVersion))];

/** Reads one resource object: picks its schema by apiVersion and kind, then decodes it. */
export function decodeResource(raw: unknown, path: Path = []): { resource?: Resource; issues: Issue[] } {
  const ctx: DecodeContext = { issues: [] };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issue(ctx, path, 'must be a resource (an object with apiVersion, kind, metadata and spec)');
    return { issues: ctx.issues };
  }
  const { apiVersion, kind } = raw as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || apiVersion === '') issue(ctx, [...path, 'apiVersion'], `is required (for example projectcalico.org/v3 or networking.k8s.io/v1)`);
  if (typeof kind !== 'string' || kind === '') issue(ctx, [...path, 'kind'], 'is required');
  if (ctx.issues.length) return { issues: ctx.issues };
  const found = kindInfo(apiVersion as string, kind as string);
  if (!found) {
    if (apiVersion === 'crd.projectcalico.org/v1') {
      issue(ctx, [...path, 'apiVersion'], "crd.projectcalico.org/v1 is Calico's storage format, which people should not edit; write projectcalico.org/v3 (what calicoctl get -o yaml prints)");
    } else if (!API_VERSIONS.includes(apiVersion as string)) {
      issue(ctx, [...path, 'apiVersion'], `${JSON.stringify(apiVersion)} is not an API version Palisade reads; it reads ${API_VERSIONS.join(', ')}`);
    } else {
      const kinds = KINDS.filter((k) => k.apiVersion === apiVersion).map((k) => k.kind);
      const hint = closest(kind as string, kinds);
      issue(ctx, [...path, 'kind'], `${JSON.stringify(kind)} is not a kind of ${apiVersion}${hint ? ` (did you mean ${hint}?)` : ''}; its kinds are ${kinds.join(', ')}`);
    }
    return { issues: ctx.issues };
  }
  const resource = found.schema.decode(raw, path, ctx) as Resource | undefined;
  return ctx.issues.length || !resource ? { issues: ctx.issues } : { resource, issues: [] };
}
