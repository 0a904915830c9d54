import { parseSelector, type ClusterState, type PolicyInfo, type Selector } from '@palisade/engine';

/** How the board groups policies: what a reader calls them, not the API type names. */
export const POLICY_KINDS = ['global', 'namespaced', 'kubernetes', 'staged'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export interface PolicyFilter {
  namespace?: string | undefined;
  label?: string | undefined;
  kind?: PolicyKind | undefined;
  text?: string | undefined;
}

export function kindOf(policy: PolicyInfo): PolicyKind {
  if (policy.staged || policy.type.startsWith('Staged')) return 'staged';
  if (policy.type === 'KubernetesNetworkPolicy' || policy.type === 'ClusterNetworkPolicy') return 'kubernetes';
  return policy.type === 'GlobalNetworkPolicy' ? 'global' : 'namespaced';
}

/** "app=web, team=shop" → labels; pairs without "=" name a key with an empty value. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [key, ...value] = part.split('=');
    if (key?.trim()) labels[key.trim()] = value.join('=').trim();
  }
  return labels;
}

/** Selectors as written, parsed once per text: the board filters thousands of policies per request. */
const written = new Map<string, Selector | null>();
function writtenSelector(text: string | undefined): Selector | null {
  const key = text ?? 'all()';
  let selector = written.get(key);
  if (selector === undefined) {
    try {
      selector = parseSelector(key);
    } catch {
      selector = null;
    }
    if (written.size > 50_000) written.clear();
    written.set(key, selector);
  }
  return selector;
}

export function matchesFilter(state: ClusterState, policy: PolicyInfo, filter: PolicyFilter): boolean {
  if (filter.kind && kindOf(policy) !== filter.kind) return false;
  if (filter.namespace && policy.namespace !== filter.namespace) return false;
  if (filter.text) {
    const text = filter.text.toLowerCase();
    const haystack = `${policy.name} ${policy.namespace ?? ''} ${policy.tier} ${policy.written.selector ?? ''} ${policy.type}`.toLowerCase();
    if (!haystack.includes(text)) return false;
  }
  if (filter.label) {
    const labels = parseLabels(filter.label);
    const own = (state.resource(policy.id)?.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
    const labelled = Object.entries(labels).every(([k, v]) => own[k] === v);
    // The selector as written (a namespaced policy's implicit namespace aside): does it pick endpoints labelled so?
    if (!labelled && !writtenSelector(policy.written.selector)?.matches(labels)) return false;
  }
  return true;
}

/** One line of the board: what a reader scans for. */
export function boardRow(state: ClusterState, policy: PolicyInfo) {
  return {
    key: policy.id,
    kind: kindOf(policy),
    type: policy.type,
    name: policy.name,
    namespace: policy.namespace ?? null,
    tier: policy.tier,
    order: policy.order ?? null,
    selector: policy.written.selector ?? 'all()',
    types: policy.types,
    ingressRules: policy.ingress.length,
    egressRules: policy.egress.length,
    staged: policy.staged ? { action: policy.staged.action, replaces: policy.staged.replaces } : null,
    /** A Kubernetes policy is edited as its own resource; every other as itself. */
    editable: state.resource(policy.id) !== undefined,
  };
}
