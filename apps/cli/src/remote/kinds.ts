import { KINDS } from '@palisade/engine';
import { InputError } from '../errors.js';

/** Short names people type, as kubectl and calicoctl accept them. */
const ALIASES: Record<string, string> = {
  np: 'NetworkPolicy',
  netpol: 'NetworkPolicy',
  policy: 'NetworkPolicy',
  policies: 'NetworkPolicy',
  gnp: 'GlobalNetworkPolicy',
  snp: 'StagedNetworkPolicy',
  sgnp: 'StagedGlobalNetworkPolicy',
  sknp: 'StagedKubernetesNetworkPolicy',
  knp: 'KubernetesNetworkPolicy',
  k8snetworkpolicy: 'KubernetesNetworkPolicy',
  cnp: 'ClusterNetworkPolicy',
  netset: 'NetworkSet',
  netsets: 'NetworkSet',
  gns: 'GlobalNetworkSet',
  hep: 'HostEndpoint',
  heps: 'HostEndpoint',
  wep: 'WorkloadEndpoint',
  weps: 'WorkloadEndpoint',
  felixconfig: 'FelixConfiguration',
  ns: 'Namespace',
  sa: 'ServiceAccount',
  po: 'Pod',
  no: 'Node',
};

export interface KindRef {
  type: string;
  namespaced: boolean;
}

/** "networkpolicies", "gnp", "Tier" → the type; an unknown word is a usage error listing the kinds. */
export function resolveKind(word: string): KindRef {
  const w = word.toLowerCase();
  const byType = new Map(KINDS.map((k) => [k.type.toLowerCase(), k]));
  const type = ALIASES[w] ?? byType.get(w)?.type ?? byType.get(w.replace(/ies$/, 'y'))?.type ?? byType.get(w.replace(/es$/, ''))?.type ?? byType.get(w.replace(/s$/, ''))?.type;
  const kind = type ? KINDS.find((k) => k.type === type) : undefined;
  if (!kind) throw new InputError(`unknown kind ${JSON.stringify(word)}; use one of: ${KINDS.map((k) => k.type).join(', ')} (or short names such as gnp, knp, hep, ns)`);
  return { type: kind.type, namespaced: kind.namespaced };
}

export function keyFor(kind: KindRef, name: string, namespace: string | undefined): string {
  if (!/^[^\s/]{1,253}$/.test(name)) throw new InputError(`${JSON.stringify(name)} is not a resource name`);
  return kind.namespaced ? `${kind.type}/${namespace ?? 'default'}/${name}` : `${kind.type}/${name}`;
}
