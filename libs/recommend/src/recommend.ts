import { parseSelector, type Labels } from '@palisade/engine';
import { conversations, keyOf, peerKey, type Conversation, type ObservedFlow, type Peer } from './conversations.js';
import { nameFor, selectorFor, workloadLabels } from './stable-labels.js';

export interface RecommendInput {
  namespace: string;
  /** Only the workloads this selector picks (as written on their pods); all of the namespace without it. */
  selector?: string | undefined;
  /** The namespace's endpoints now: every workload among them gets a policy, traffic or not. */
  endpoints: readonly { namespace?: string | undefined; labels: Labels }[];
  /** Flows of the window, as records or distinct conversations (only allowed traffic counts, unless `includeDenied`). */
  flows: readonly ObservedFlow[];
  /** Denied flows count too: traffic that policy denied is allowed by the recommendation (off by default: it may be unwanted). */
  includeDenied?: boolean | undefined;
  /** Widen what was seen: any port to a peer a workload talked to. Off: nothing broader than observed. */
  widen?: { ports?: boolean } | undefined;
  /** The tier the staged policies go in (default "default"). */
  tier?: string | undefined;
}

export interface RecommendedRule {
  direction: 'ingress' | 'egress';
  index: number;
  /** What it covers: each observed conversation, pod to pod. */
  covers: string[];
  records: number;
}

export interface RecommendedPolicy {
  resource: Record<string, unknown> & { metadata: { name: string; namespace: string; labels: Record<string, string> } };
  workload: Record<string, string>;
  rules: RecommendedRule[];
}

export interface Recommendation {
  namespace: string;
  policies: RecommendedPolicy[];
  /** Rules in all the policies, beside the distinct conversations (workload, peer, protocol, port) they cover. */
  ruleCount: number;
  observedConversations: number;
  flowRecords: number;
  /** Flows that gave no rule, and why. */
  skipped: string[];
}

const MAX_ANNOTATED = 20;
const PORTED = new Set(['TCP', 'UDP', 'SCTP', '6', '17', '132']);

function entity(peer: Peer, namespace: string): Record<string, unknown> {
  if (peer.kind === 'net') return { nets: [peer.cidr] };
  return peer.namespace === namespace ? { selector: selectorFor(peer.labels) } : { selector: selectorFor(peer.labels), namespaceSelector: `projectcalico.org/name == '${peer.namespace}'` };
}

/** Conversations of one workload and direction with one peer over one protocol become one rule with their ports. */
function rules(list: Conversation[], namespace: string, widenPorts: boolean): { rule: Record<string, unknown>; covers: string[]; records: number }[] {
  const groups = new Map<string, Conversation[]>();
  for (const c of list) {
    const key = `${peerKey(c.peer)}|${c.protocol}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => {
      const { peer, protocol, direction } = group[0]!;
      const ports = widenPorts || !PORTED.has(protocol.toUpperCase()) ? [] : [...new Set(group.map((c) => c.port).filter((p): p is number => p !== null && p > 0))].sort((a, b) => a - b);
      const covers = [...new Set(group.flatMap((c) => [...c.seen]))].sort();
      const shown = covers.length > MAX_ANNOTATED ? [...covers.slice(0, MAX_ANNOTATED), `and ${covers.length - MAX_ANNOTATED} more`] : covers;
      const peerSide = entity(peer, namespace);
      const portSide = ports.length ? { ports } : undefined;
      const rule: Record<string, unknown> = {
        action: 'Allow',
        protocol: /^\d+$/.test(protocol) ? Number(protocol) : protocol.toUpperCase(),
        metadata: { annotations: { 'palisade.dev/covers': shown.join('; ') } },
        ...(direction === 'ingress' ? { source: peerSide, ...(portSide ? { destination: portSide } : {}) } : { destination: { ...peerSide, ...portSide } }),
      };
      return { rule, covers, records: group.reduce((n, c) => n + c.records, 0) };
    });
}

/**
 * Least-privilege policy for a namespace (or a label-selected group in it) from recorded flows:
 * one staged NetworkPolicy per workload, selecting it by its stable labels, with an Allow rule per
 * peer and protocol listing the ports seen and the flows it covers. A workload with no recorded
 * traffic gets a policy with no rules: once promoted, it denies everything, as nothing was seen.
 */
export function recommend(input: RecommendInput): Recommendation {
  const { namespace } = input;
  const picked = input.selector ? parseSelector(input.selector) : undefined;
  const chosen = (labels: Labels) => !picked || picked.matches(labels);
  const found = conversations(input.flows, namespace, chosen, input.includeDenied ?? false);
  const workloads = new Map<string, Record<string, string>>();
  for (const e of input.endpoints) {
    if ((e.namespace ?? namespace) !== namespace || !chosen(e.labels)) continue;
    const labels = workloadLabels(e.labels);
    if (Object.keys(labels).length) workloads.set(keyOf(labels), labels);
  }
  for (const c of found.list) workloads.set(keyOf(c.workload), c.workload);
  const taken = new Set<string>();
  const policies = [...workloads.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, workload]): RecommendedPolicy => {
      const mine = found.list.filter((c) => keyOf(c.workload) === key);
      const ingress = rules(
        mine.filter((c) => c.direction === 'ingress'),
        namespace,
        input.widen?.ports ?? false,
      );
      const egress = rules(
        mine.filter((c) => c.direction === 'egress'),
        namespace,
        input.widen?.ports ?? false,
      );
      const name = nameFor(workload, taken);
      return {
        workload,
        resource: {
          apiVersion: 'projectcalico.org/v3',
          kind: 'StagedNetworkPolicy',
          metadata: { name, namespace, labels: { 'palisade.dev/recommended': 'true' } },
          spec: {
            stagedAction: 'Set',
            tier: input.tier ?? 'default',
            selector: selectorFor(workload),
            types: ['Ingress', 'Egress'],
            ...(ingress.length ? { ingress: ingress.map((r) => r.rule) } : {}),
            ...(egress.length ? { egress: egress.map((r) => r.rule) } : {}),
          },
        },
        rules: [
          ...ingress.map((r, index) => ({ direction: 'ingress' as const, index, covers: r.covers, records: r.records })),
          ...egress.map((r, index) => ({ direction: 'egress' as const, index, covers: r.covers, records: r.records })),
        ],
      };
    });
  return {
    namespace,
    policies,
    ruleCount: policies.reduce((n, p) => n + p.rules.length, 0),
    observedConversations: found.list.length,
    flowRecords: input.flows.reduce((n, f) => n + (f.records ?? 1), 0),
    skipped: found.skipped,
  };
}
