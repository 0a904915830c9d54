import type { Member } from './types.js';

export interface MemberChange {
  sign: 1 | -1;
  member: Member;
}

/** What a change touched: the calculators fill it in, the evaluator's caches and the incremental compiler read it. */
export interface Affected {
  /** Endpoints whose labels, addresses, ports, profiles or applicable policies may have changed. */
  endpoints: Set<string>;
  /** Policies whose rules or place changed (added, removed, edited). */
  policies: Set<string>;
  /** Cached selector IP sets that a change made stale (by canonical selector). */
  selectors: Set<string>;
  /**
   * Members (endpoints, network sets) that left (-1) or joined (+1) the label index, in order: a
   * changed member leaves as it was and joins as it is. Sets whose selector matches one gain or lose
   * its addresses.
   */
  members: MemberChange[];
  /** Profiles whose rules changed. */
  profiles: Set<string>;
  /** Services ("namespace/name") whose endpoints or ports changed. */
  services: Set<string>;
  /** Something node-wide changed (tiers, Felix settings): recompile everything. */
  all: boolean;
}

export const noneAffected = (): Affected => ({ endpoints: new Set(), policies: new Set(), selectors: new Set(), members: [], profiles: new Set(), services: new Set(), all: false });

/** Adds what `more` touched to `into` (several changes reported as one). */
export function mergeAffected(into: Affected, more: Affected): void {
  for (const field of ['endpoints', 'policies', 'selectors', 'profiles', 'services'] as const) for (const v of more[field]) into[field].add(v);
  into.members.push(...more.members);
  into.all ||= more.all;
}
