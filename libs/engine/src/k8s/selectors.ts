import type { LabelSelector } from '../model/kubernetes.js';

export const ORCHESTRATOR_K8S = "projectcalico.org/orchestrator == 'k8s'";

/**
 * metav1.LabelSelector → Calico selector text, clause for clause as Calico's k8sSelectorToCalico
 * writes it: pod selectors start with the orchestrator clause; matchLabels sorted by key, then
 * matchExpressions in order. A missing namespace selector is "" (the policy's own namespace);
 * a present but empty one is all() (every namespace).
 */
export function k8sSelectorToCalico(selector: LabelSelector | undefined, kind: 'pod' | 'namespace'): string {
  const clauses: string[] = kind === 'pod' ? [ORCHESTRATOR_K8S] : [];
  if (selector === undefined) return clauses.join(' && ');
  const labels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  if (kind === 'namespace' && Object.keys(labels).length === 0 && expressions.length === 0) return 'all()';
  for (const key of Object.keys(labels).sort()) clauses.push(`${key} == '${labels[key]}'`);
  for (const e of expressions) {
    const values = (e.values ?? []).map((v) => `'${v}'`).join(', ');
    if (e.operator === 'In') clauses.push(`${e.key} in { ${values} }`);
    else if (e.operator === 'NotIn') clauses.push(`${e.key} not in { ${values} }`);
    else if (e.operator === 'Exists') clauses.push(`has(${e.key})`);
    else if (e.operator === 'DoesNotExist') clauses.push(`! has(${e.key})`);
  }
  return clauses.join(' && ');
}
