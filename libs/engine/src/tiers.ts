import type { CalicoTier } from './model/calico.js';

export interface BuiltinTier {
  name: string;
  order: number;
  defaultAction: 'Deny' | 'Pass';
}

/**
 * The tiers Calico 3.32 creates and protects: ClusterNetworkPolicy's Admin tier first, then the
 * default tier (Kubernetes NetworkPolicy and any Calico policy without a tier), then Baseline.
 */
export const BUILTIN_TIERS: readonly BuiltinTier[] = [
  { name: 'kube-admin', order: 1_000, defaultAction: 'Pass' },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
];

export const DEFAULT_TIER = 'default';

export function builtinTierResources(): CalicoTier[] {
  return BUILTIN_TIERS.map((t) => ({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: t.name }, spec: { order: t.order, defaultAction: t.defaultAction } }));
}

/** Calico's tier order: by order ascending, an unset order after every set one, ties by name. */
export function compareTiers(a: { name: string; order?: number | undefined }, b: { name: string; order?: number | undefined }): number {
  const ao = a.order ?? Number.POSITIVE_INFINITY;
  const bo = b.order ?? Number.POSITIVE_INFINITY;
  if (ao !== bo) return ao < bo ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
