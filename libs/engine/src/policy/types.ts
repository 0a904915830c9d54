import type { PolicyType } from '../model/calico.js';

/**
 * The directions a policy applies to when `types` is not given, as Calico defaults it:
 * egress rules only → Egress; both → Ingress and Egress; otherwise Ingress.
 */
export function effectiveTypes(spec: { types?: readonly PolicyType[] | undefined; ingress?: readonly unknown[] | undefined; egress?: readonly unknown[] | undefined }): PolicyType[] {
  if (spec.types && spec.types.length > 0) return (['Ingress', 'Egress'] as const).filter((t) => spec.types!.includes(t));
  const ingress = (spec.ingress?.length ?? 0) > 0;
  const egress = (spec.egress?.length ?? 0) > 0;
  if (egress && ingress) return ['Ingress', 'Egress'];
  if (egress) return ['Egress'];
  return ['Ingress'];
}
