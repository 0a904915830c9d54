import type { ChainResult, CounterRef, Decision, Endpoint } from '@palisade/engine';
import type { FlowEndpoint } from '@palisade/contracts';

/**
 * What decided, as flow records name it: "tier/policy/rule" for a policy rule, and a fixed form
 * for everything else, so `palisade flows --policy security` finds every verdict of a tier.
 */
export function policyOf(decision: Decision | undefined): string {
  if (!decision) return 'no-decision';
  switch (decision.kind) {
    case 'rule':
      return `${decision.tier}/${decision.policy}/${decision.rule}`;
    case 'end-of-tier':
      return `${decision.tier}/end-of-tier`;
    case 'profile':
      return `__PROFILE__/${decision.profile}/${decision.rule}`;
    case 'no-profile':
      return '__PROFILE__/none';
    case 'no-policy':
      return 'no-policy';
    case 'failsafe':
      return `failsafe/${decision.protocol}:${decision.port}`;
    case 'endpoint-to-host':
      return `endpoint-to-host/${decision.action}`;
    case 'host-to-local-workload':
      return 'host-to-local-workload';
  }
}

export const decidedBy = (chain: ChainResult | undefined): string => policyOf(chain?.decidedBy);

/** An endpoint as a flow record shows it: its own labels, not the ones Calico adds for selectors. */
export function flowEndpoint(endpoint: Endpoint | undefined, ip: string | null): FlowEndpoint {
  if (!endpoint) return { namespace: null, name: null, labels: {}, ip };
  const labels = Object.fromEntries(Object.entries(endpoint.labels).filter(([k]) => !k.startsWith('projectcalico.org/') && !k.startsWith('pcns.') && !k.startsWith('pcsa.')));
  return { namespace: endpoint.namespace ?? null, name: endpoint.name, labels, ip: ip ?? endpoint.ips[0]?.text ?? null };
}

/** The same names for a decision the kernel counted (a ruleset comment read back with describeCounter). */
export function policyOfCounter(ref: CounterRef | undefined): string {
  if (!ref) return 'unknown';
  switch (ref.kind) {
    case 'rule':
      return ref.owner?.startsWith('profile/') ? `__PROFILE__/${ref.owner.slice('profile/'.length)}/${ref.rule}` : `${ref.tier ?? 'default'}/${ref.owner}/${ref.rule}`;
    case 'end-of-tier':
      return `${ref.tier}/end-of-tier`;
    case 'no-profile':
      return '__PROFILE__/none';
    default:
      return ref.kind;
  }
}
