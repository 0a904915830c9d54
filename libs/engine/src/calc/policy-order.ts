import type * as calico from '../model/calico.js';
import type { PolicyInfo, TierInfo } from '../snapshot/types.js';
import { BUILTIN_TIERS, compareTiers } from '../tiers.js';
import { sortedEntries } from './dump.js';

/**
 * Tiers and Calico's evaluation order: tiers by order, then within a tier policies by order
 * (unset last) and Calico's name tie-break. A tier that policies name but no Tier resource
 * defines exists as "missing" (sorted last, denying by default) while a policy names it.
 * One policy moves into its place by binary search, so a change costs a splice, not a sort of
 * ten thousand policies; tier changes re-sort everything.
 */
export class PolicyOrder {
  private readonly tierMap = new Map<string, TierInfo>();
  private sortedTiers: TierInfo[] = [];
  private tierRank = new Map<string, number>();
  private sortedPolicies: PolicyInfo[] = [];
  /** Policy id → position in `policies`. */
  readonly rank = new Map<string, number>();

  constructor(private readonly all: ReadonlyMap<string, PolicyInfo>) {
    for (const t of BUILTIN_TIERS) this.tierMap.set(t.name, { ...t });
  }

  get tiers(): readonly TierInfo[] {
    return this.sortedTiers;
  }

  get policies(): readonly PolicyInfo[] {
    return this.sortedPolicies;
  }

  tier(name: string): TierInfo | undefined {
    return this.tierMap.get(name);
  }

  setTier(tier: calico.CalicoTier): void {
    this.tierMap.set(tier.metadata.name, { name: tier.metadata.name, ...(tier.spec?.order !== undefined ? { order: tier.spec.order } : {}), defaultAction: tier.spec?.defaultAction ?? 'Deny' });
  }

  /** A deleted built-in tier comes back as built; one that policies still name becomes missing. */
  deleteTier(name: string, stillNamed: () => boolean): void {
    this.tierMap.delete(name);
    for (const t of BUILTIN_TIERS) if (t.name === name) this.tierMap.set(t.name, { ...t });
    if (!this.tierMap.has(name) && stillNamed()) this.tierMap.set(name, { name, defaultAction: 'Deny', missing: true });
  }

  /** A policy names this tier: true when nothing defined it, so it was added as missing. */
  ensureTier(name: string): boolean {
    if (this.tierMap.has(name)) return false;
    this.tierMap.set(name, { name, defaultAction: 'Deny', missing: true });
    return true;
  }

  /** The last policy naming a missing tier went: true when the tier went with it. */
  releaseTier(name: string, stillNamed: () => boolean): boolean {
    if (this.tierMap.get(name)?.missing !== true || stillNamed()) return false;
    this.tierMap.delete(name);
    return true;
  }

  /** Tiers and every policy sorted again. */
  resort(): void {
    this.sortedTiers = [...this.tierMap.values()].sort((a, b) => (a.missing !== b.missing ? (a.missing ? 1 : -1) : compareTiers(a, b)));
    this.tierRank = new Map(this.sortedTiers.map((t, i) => [t.name, i]));
    this.sortedPolicies = [...this.all.values()].sort(this.compare);
    this.renumber(0);
  }

  /** One new policy into its place. */
  place(policy: PolicyInfo): void {
    let lo = 0;
    let hi = this.sortedPolicies.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.sortedPolicies[mid]!, policy) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.sortedPolicies.splice(lo, 0, policy);
    this.renumber(lo);
  }

  unplace(policy: PolicyInfo): void {
    const at = this.rank.get(policy.id);
    if (at === undefined || this.sortedPolicies[at] !== policy) {
      this.resort();
      return;
    }
    this.sortedPolicies.splice(at, 1);
    this.rank.delete(policy.id);
    this.renumber(at);
  }

  private readonly compare = (a: PolicyInfo, b: PolicyInfo): number => {
    const ta = this.tierRank.get(a.tier)! - this.tierRank.get(b.tier)!;
    if (ta !== 0) return ta;
    const oa = a.order ?? Number.POSITIVE_INFINITY;
    const ob = b.order ?? Number.POSITIVE_INFINITY;
    if (oa !== ob) return oa < ob ? -1 : 1;
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
  };

  private renumber(from: number): void {
    if (from === 0) this.rank.clear();
    for (let i = from; i < this.sortedPolicies.length; i++) this.rank.set(this.sortedPolicies[i]!.id, i);
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return { tiers: this.sortedTiers, policies: this.sortedPolicies.map((p) => p.id), rank: sortedEntries(this.rank) };
  }
}
