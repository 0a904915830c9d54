import type { Labels } from '@palisade/engine';

/**
 * Labels that name a workload rather than one of its pods. Controllers stamp each pod (or each
 * rollout of a template) with labels of their own, and Calico adds its namespace and service
 * account labels: a selector on any of those would stop matching at the next rollout, or match
 * what the namespace selector already says.
 */
const UNSTABLE = [
  /^pod-template-hash$/,
  /^controller-revision-hash$/,
  /^pod-template-generation$/,
  /^statefulset\.kubernetes\.io\/pod-name$/,
  /^apps\.kubernetes\.io\/pod-index$/,
  /^batch\.kubernetes\.io\//,
  /^job-name$/,
  /^controller-uid$/,
  /^projectcalico\.org\//,
  /^pcns\./,
  /^pcsa\./,
];

/** The keys that say what a workload is, in order of preference; with one, the rest are left out. */
const IDENTITY = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name'];
/** Keys that tell apart parts of one application (its api and its worker), kept beside the identity. */
const PART = ['app.kubernetes.io/component', 'component', 'tier', 'role'];

export function isStableLabel(key: string): boolean {
  return !UNSTABLE.some((pattern) => pattern.test(key));
}

/**
 * The labels a recommended selector uses for a workload: its identity label (and its component)
 * when it has one, otherwise every stable label it carries. Empty when nothing stable is left.
 */
export function workloadLabels(labels: Labels): Record<string, string> {
  const stable = Object.fromEntries(Object.entries(labels).filter(([k]) => isStableLabel(k)));
  const identity = IDENTITY.find((k) => stable[k] !== undefined);
  if (!identity) return sortKeys(stable);
  const part = PART.find((k) => stable[k] !== undefined);
  return sortKeys({ [identity]: stable[identity]!, ...(part ? { [part]: stable[part]! } : {}) });
}

const sortKeys = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A selector that matches exactly these labels ("all()" for none). */
export function selectorFor(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k} == '${v}'`);
  return parts.length ? parts.join(' && ') : 'all()';
}

/** A DNS-label name from a workload's labels: "recommended-api", "recommended-shop-web". */
export function nameFor(labels: Record<string, string>, taken: Set<string>): string {
  const base =
    `recommended-${Object.values(labels).join('-') || 'workload'}`
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .slice(0, 60)
      .replace(/-$/, '') || 'recommended';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}
