import type { LabelIndex } from '../labelindex/label-index.js';
import { SelectorIndex } from '../labelindex/label-index.js';
import type { Affected } from '../snapshot/affected.js';
import type { Member, PolicyInfo } from '../snapshot/types.js';
import { sortedEntries } from './dump.js';

/** What keeping policies in order takes (PolicyOrder does it; the graph hands it in). */
export interface PolicyPlacement {
  /** A policy names this tier: true when nothing defined it, so it was added as missing. */
  ensureTier(name: string): boolean;
  /** The last policy naming a missing tier went: true when the tier went with it. */
  releaseTier(name: string, stillNamed: () => boolean): boolean;
  resort(): void;
  place(policy: PolicyInfo): void;
  unplace(policy: PolicyInfo): void;
}

/**
 * Policies of every kind, indexed by selector (labels → the policies that may apply) and kept in
 * evaluation order by `PolicyOrder`. A change reports the policy and every endpoint it selects
 * before and after (their chains change), and for a staged policy the endpoints of the policy it
 * would replace (their pending view changes).
 */
export class PolicyCalculator {
  /** Input key → policy id. */
  private readonly idOf = new Map<string, string>();
  readonly index = new SelectorIndex<PolicyInfo>();
  private stagedCount = 0;

  constructor(
    private readonly order: PolicyPlacement,
    private readonly members: LabelIndex<Member>,
    /** Shared with `order`, which sorts them. */
    readonly byId: Map<string, PolicyInfo>,
  ) {}

  get staged(): number {
    return this.stagedCount;
  }

  namesTier(tier: string): boolean {
    for (const p of this.byId.values()) if (p.tier === tier) return true;
    return false;
  }

  add(key: string, policy: PolicyInfo, affected?: Affected): void {
    if (this.byId.has(policy.id)) return;
    this.byId.set(policy.id, policy);
    this.idOf.set(key, policy.id);
    const tierAdded = this.order.ensureTier(policy.tier);
    this.index.set(policy.id, policy, policy.selector);
    if (policy.staged) this.stagedCount++;
    if (!affected) return; // built in one go: sorted once at the end
    if (tierAdded) this.order.resort();
    else this.order.place(policy);
    this.touch(policy, affected);
    if (tierAdded) affected.all = true;
  }

  remove(key: string, affected?: Affected): void {
    const id = this.idOf.get(key);
    if (id === undefined) return;
    const policy = this.byId.get(id)!;
    this.idOf.delete(key);
    this.byId.delete(id);
    this.index.delete(id);
    if (policy.staged) this.stagedCount--;
    const tierGone = this.order.releaseTier(policy.tier, () => this.namesTier(policy.tier));
    if (!affected) return;
    if (tierGone) {
      affected.all = true;
      this.order.resort();
    } else this.order.unplace(policy);
    this.touch(policy, affected);
  }

  private touch(policy: PolicyInfo, affected: Affected): void {
    affected.policies.add(policy.id);
    this.touchSelected(policy, affected);
    if (policy.staged) {
      const replaced = this.byId.get(policy.staged.replaces);
      if (replaced) this.touchSelected(replaced, affected);
    }
  }

  private touchSelected(policy: PolicyInfo, affected: Affected): void {
    for (const member of this.members.matching(policy.selector).values()) if (member.kind === 'endpoint') affected.endpoints.add(member.endpoint.id);
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return { policies: sortedEntries(this.byId), staged: this.stagedCount, indexed: [...this.index.values()].map((e) => e.value.id).sort() };
  }
}
