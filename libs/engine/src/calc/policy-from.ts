import { convertClusterNetworkPolicy } from '../k8s/cluster-network-policy.js';
import { convertKubernetesNetworkPolicy } from '../k8s/network-policy.js';
import type * as calico from '../model/calico.js';
import type * as k8s from '../model/kubernetes.js';
import { policyEndpointSelector } from '../policy/scope.js';
import { effectiveTypes } from '../policy/types.js';
import { compileRule } from '../snapshot/compile-rule.js';
import type { PolicyInfo, SourceRef } from '../snapshot/types.js';
import { sourceRef, type SnapshotInput } from './inputs.js';

/**
 * The policy a resource of any policy kind stands for, in Calico's terms (Kubernetes and cluster
 * network policies converted as Calico converts them), compiled; undefined for other kinds and
 * for staged actions that have no effect in Calico OSS.
 */
export function policyFrom(input: SnapshotInput): PolicyInfo | undefined {
  const r = input.resource;
  const source = sourceRef(input);
  if (r.kind === 'NetworkPolicy' && r.apiVersion === 'projectcalico.org/v3') return policyInfo('NetworkPolicy', r.metadata, r.spec ?? {}, true, source);
  if (r.kind === 'GlobalNetworkPolicy') return policyInfo('GlobalNetworkPolicy', r.metadata, r.spec ?? {}, false, source);
  if (r.kind === 'NetworkPolicy') {
    const knp = r as k8s.KubernetesNetworkPolicy;
    return policyInfo('KubernetesNetworkPolicy', knp.metadata, convertKubernetesNetworkPolicy(knp).policy.spec ?? {}, true, source);
  }
  if (r.kind === 'ClusterNetworkPolicy') return policyInfo('ClusterNetworkPolicy', r.metadata, convertClusterNetworkPolicy(r).policy.spec ?? {}, false, source);
  if (r.kind === 'StagedNetworkPolicy' || r.kind === 'StagedGlobalNetworkPolicy' || r.kind === 'StagedKubernetesNetworkPolicy') {
    const { stagedAction, ...spec } = r.spec ?? {};
    if (stagedAction === 'Learn' || stagedAction === 'Ignore') return undefined;
    const action = stagedAction === 'Delete' ? 'Delete' : 'Set';
    const namespaced = r.kind !== 'StagedGlobalNetworkPolicy';
    const enforcedType = r.kind === 'StagedNetworkPolicy' ? 'NetworkPolicy' : r.kind === 'StagedGlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'KubernetesNetworkPolicy';
    const namespace = namespaced ? (r.metadata.namespace ?? 'default') : undefined;
    const replaces = `${enforcedType}/${namespace ? `${namespace}/` : ''}${r.metadata.name}`;
    const calicoSpec =
      r.kind === 'StagedKubernetesNetworkPolicy'
        ? (convertKubernetesNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: r.metadata, spec: spec as k8s.KubernetesNetworkPolicySpec }).policy.spec ?? {})
        : (spec as calico.GlobalNetworkPolicySpec);
    return policyInfo(r.kind, r.metadata, action === 'Delete' ? { ...(calicoSpec.tier ? { tier: calicoSpec.tier } : {}) } : calicoSpec, namespaced, source, { action, replaces });
  }
  return undefined;
}

function policyInfo(type: string, meta: { name: string; namespace?: string }, spec: calico.GlobalNetworkPolicySpec, namespaced: boolean, source: SourceRef, staged?: PolicyInfo['staged']): PolicyInfo {
  const namespace = namespaced ? (meta.namespace ?? 'default') : undefined;
  return {
    id: `${type}/${namespace ? `${namespace}/` : ''}${meta.name}`,
    type,
    name: meta.name,
    ...(namespace ? { namespace } : {}),
    tier: spec.tier ?? 'default',
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    ...(staged ? { staged } : {}),
    selector: policyEndpointSelector({ selector: spec.selector, namespaceSelector: namespaced ? undefined : spec.namespaceSelector, serviceAccountSelector: spec.serviceAccountSelector }, namespace),
    written: {
      ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
      ...(spec.namespaceSelector !== undefined ? { namespaceSelector: spec.namespaceSelector } : {}),
      ...(spec.serviceAccountSelector !== undefined ? { serviceAccountSelector: spec.serviceAccountSelector } : {}),
    },
    types: effectiveTypes(spec),
    ingress: (spec.ingress ?? []).map((r, i) => compileRule(r, i, namespace)),
    egress: (spec.egress ?? []).map((r, i) => compileRule(r, i, namespace)),
    doNotTrack: spec.doNotTrack ?? false,
    preDNAT: spec.preDNAT ?? false,
    applyOnForward: spec.applyOnForward ?? false,
    sortKey: `${meta.name}/${namespace ?? ''}/${type}`,
    source,
  };
}
