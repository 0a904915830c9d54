import { decodeResource } from '../model/resources.js';
import type { CalicoGlobalNetworkPolicy, CalicoNetworkPolicy } from '../model/calico.js';
import type { ClusterNetworkPolicy, KubernetesNetworkPolicy } from '../model/kubernetes.js';
import type { Issue } from '../schema/schema.js';
import { formatPath } from '../parse/locate.js';
import { validateDecoded } from './resource.js';
import { convertClusterNetworkPolicy } from '../k8s/cluster-network-policy.js';
import { convertKubernetesNetworkPolicy } from '../k8s/network-policy.js';

/** The input is not a valid Kubernetes policy; `errors` say where and why. */
export class ConversionInputError extends Error {
  override readonly name = 'ConversionInputError';
  constructor(
    readonly kind: string,
    readonly errors: { path: string; message: string }[],
  ) {
    super(`not a valid ${kind}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
}

function decode<T>(input: unknown, kind: string, apiVersion: string): T {
  const decoded = decodeResource(input);
  const issues: Issue[] = decoded.resource ? validateDecoded(decoded.resource) : decoded.issues;
  if (decoded.resource && (decoded.resource.kind !== kind || decoded.resource.apiVersion !== apiVersion)) {
    throw new ConversionInputError(kind, [{ path: 'kind', message: `must be ${apiVersion} ${kind}, not ${decoded.resource.apiVersion} ${decoded.resource.kind}` }]);
  }
  if (issues.length)
    throw new ConversionInputError(
      kind,
      issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  return decoded.resource as T;
}

/**
 * A Kubernetes NetworkPolicy (parsed YAML/JSON or typed) as the Calico policy Calico enforces for
 * it. Throws ConversionInputError, with located errors, when the input is not a valid policy.
 */
export function fromKubernetesNetworkPolicy(knp: unknown): CalicoNetworkPolicy {
  return convertKubernetesNetworkPolicy(decode<KubernetesNetworkPolicy>(knp, 'NetworkPolicy', 'networking.k8s.io/v1')).policy;
}

/** An upstream ClusterNetworkPolicy as the Calico GlobalNetworkPolicy Calico 3.32 makes of it. */
export function fromClusterNetworkPolicy(cnp: unknown): CalicoGlobalNetworkPolicy {
  return convertClusterNetworkPolicy(decode<ClusterNetworkPolicy>(cnp, 'ClusterNetworkPolicy', 'policy.networking.k8s.io/v1alpha2')).policy;
}
