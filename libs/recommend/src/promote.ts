/** The enforced kind each staged kind becomes. */
const ENFORCED: Record<string, { apiVersion: string; kind: string }> = {
  StagedNetworkPolicy: { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy' },
  StagedGlobalNetworkPolicy: { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy' },
  StagedKubernetesNetworkPolicy: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
};

export class PromoteError extends Error {
  override readonly name = 'PromoteError';
}

/**
 * A staged policy as the enforced policy it stands for: same name, namespace and spec, without the
 * staged action. A staged Delete promotes to nothing (the caller deletes the enforced one).
 */
export function promoted(staged: {
  apiVersion?: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string };
  spec?: Record<string, unknown>;
}): { resource: Record<string, unknown> } | { deletes: string } {
  const target = ENFORCED[staged.kind];
  if (!target) throw new PromoteError(`${staged.kind} ${staged.metadata.name} is not a staged policy`);
  const { stagedAction, ...spec } = staged.spec ?? {};
  const { resourceVersion: _v, uid: _u, creationTimestamp: _c, ...metadata } = staged.metadata as Record<string, unknown> & { name: string };
  const namespace = metadata['namespace'] as string | undefined;
  const enforcedType = staged.kind === 'StagedKubernetesNetworkPolicy' ? 'KubernetesNetworkPolicy' : target.kind;
  if (stagedAction === 'Delete') return { deletes: `${enforcedType}/${namespace ? `${namespace}/` : ''}${metadata.name}` };
  if (stagedAction !== undefined && stagedAction !== 'Set') throw new PromoteError(`${staged.kind} ${metadata.name} has stagedAction ${String(stagedAction)}: only Set and Delete promote`);
  return { resource: { apiVersion: target.apiVersion, kind: target.kind, metadata, spec } };
}
