import type { Labels } from '../selector/compile.js';
import type { Selector } from '../selector/selector.js';

/**
 * Items (endpoints, network sets) by label, so a selector is tried only on items that can match
 * it: a selector that needs `app == 'web'` or `app in {...}` looks up those values, one that
 * needs `has(app)` looks up the key, and only selectors that restrict nothing scan everything.
 * This is what Calico's label index does for Felix.
 */
export class LabelIndex<T> {
  private readonly items = new Map<string, Item<T>>();
  private readonly byKey = new Map<string, Set<Item<T>>>();
  private readonly byPair = new Map<string, Set<Item<T>>>();

  get size(): number {
    return this.items.size;
  }

  set(id: string, item: T, labels: Labels): void {
    this.delete(id);
    const entry: Item<T> = { id, item, labels };
    this.items.set(id, entry);
    for (const key in labels) {
      add(this.byKey, key, entry);
      add(this.byPair, pair(key, labels[key]!), entry);
    }
  }

  delete(id: string): void {
    const existing = this.items.get(id);
    if (!existing) return;
    for (const key in existing.labels) {
      remove(this.byKey, key, existing);
      remove(this.byPair, pair(key, existing.labels[key]!), existing);
    }
    this.items.delete(id);
  }

  get(id: string): T | undefined {
    return this.items.get(id)?.item;
  }

  /** Every item the selector matches, by id. */
  matching(selector: Selector): Map<string, T> {
    const out = new Map<string, T>();
    for (const entry of this.candidates(selector)) if (selector.matches(entry.labels)) out.set(entry.id, entry.item);
    return out;
  }

  /** The smallest item set the selector's label restrictions allow, or every item. */
  private candidates(selector: Selector): Iterable<Item<T>> {
    let best: Iterable<Item<T>> | undefined;
    let bestSize = Number.POSITIVE_INFINITY;
    const restrictions = selector.labelRestrictions();
    for (const key in restrictions) {
      const r = restrictions[key]!;
      if (r.mustHaveOneOfValues !== null) {
        let size = 0;
        const sets: Set<Item<T>>[] = [];
        for (const v of r.mustHaveOneOfValues) {
          const s = this.byPair.get(pair(key, v));
          if (s) {
            sets.push(s);
            size += s.size;
          }
        }
        if (size < bestSize) {
          bestSize = size;
          best = sets.length === 1 ? sets[0]! : sets.flatMap((s) => [...s]);
        }
      } else if (r.mustBePresent) {
        const set = this.byKey.get(key);
        const size = set?.size ?? 0;
        if (size < bestSize) {
          bestSize = size;
          best = set ?? [];
        }
      }
    }
    return best ?? this.items.values();
  }
}

interface Item<T> {
  id: string;
  item: T;
  labels: Labels;
}

/**
 * The other way round: selectors by the labels they require, so the selectors that can match one
 * item (an endpoint whose labels just changed) are found without trying every selector.
 */
export class SelectorIndex<T> {
  private readonly entries = new Map<string, { value: T; selector: Selector; group: SelectorGroup<T> }>();
  /** Entries with the same selector (a thousand policies on `tier == 'backend'`) are tried once. */
  private readonly groups = new Map<string, SelectorGroup<T>>();
  private readonly byPair = new Map<string, Set<SelectorGroup<T>>>();
  private readonly byKey = new Map<string, Set<SelectorGroup<T>>>();
  /** Selectors that restrict no label: tried on every item. */
  private readonly unrestricted = new Set<SelectorGroup<T>>();

  set(id: string, value: T, selector: Selector): void {
    this.delete(id);
    const key = selector.toString();
    let group = this.groups.get(key);
    if (!group) {
      const anchor = this.anchorFor(selector);
      group = { selector, anchor, members: new Map() };
      this.groups.set(key, group);
      if (!anchor) this.unrestricted.add(group);
      else if (anchor.values) for (const v of anchor.values) add(this.byPair, pair(anchor.key, v), group);
      else add(this.byKey, anchor.key, group);
    }
    group.members.set(id, value);
    this.entries.set(id, { value, selector, group });
  }

  delete(id: string): void {
    const existing = this.entries.get(id);
    if (!existing) return;
    this.entries.delete(id);
    const group = existing.group;
    group.members.delete(id);
    if (group.members.size) return;
    this.groups.delete(group.selector.toString());
    const anchor = group.anchor;
    if (!anchor) this.unrestricted.delete(group);
    else if (anchor.values) for (const v of anchor.values) remove(this.byPair, pair(anchor.key, v), group);
    else remove(this.byKey, anchor.key, group);
  }

  /** The entries whose selector matches these labels. */
  matching(labels: Labels): Map<string, T> {
    const out = new Map<string, T>();
    const seen = new Set<SelectorGroup<T>>();
    const consider = (group: SelectorGroup<T>) => {
      if (seen.has(group)) return;
      seen.add(group);
      if (group.selector.matches(labels)) for (const [id, value] of group.members) out.set(id, value);
    };
    for (const group of this.unrestricted) consider(group);
    for (const key in labels) {
      for (const group of this.byKey.get(key) ?? []) consider(group);
      for (const group of this.byPair.get(pair(key, labels[key]!)) ?? []) consider(group);
    }
    return out;
  }

  values(): IterableIterator<{ value: T; selector: Selector }> {
    return this.entries.values();
  }

  /**
   * The single label restriction a selector is filed under: of the keys it needs particular
   * values of, the one whose buckets are emptiest now (so `app == 'web' && namespace == 'shop'`
   * lands with the shop policies rather than with every namespace's web policies); else a key
   * it requires.
   */
  private anchorFor(selector: Selector): Anchor | undefined {
    let best: Anchor | undefined;
    let bestSize = Number.POSITIVE_INFINITY;
    let keyOnly: string | undefined;
    for (const [key, r] of Object.entries(selector.labelRestrictions())) {
      if (r.mustHaveOneOfValues !== null) {
        const size = r.mustHaveOneOfValues.reduce((n, v) => n + [...(this.byPair.get(pair(key, v)) ?? [])].reduce((m, g) => m + g.members.size, 0), 0);
        if (size < bestSize) {
          bestSize = size;
          best = { key, values: r.mustHaveOneOfValues };
        }
      } else if (r.mustBePresent) keyOnly ??= key;
    }
    return best ?? (keyOnly !== undefined ? { key: keyOnly } : undefined);
  }
}

type Anchor = { key: string; values?: string[] };
type SelectorGroup<T> = { selector: Selector; anchor: Anchor | undefined; members: Map<string, T> };

const pair = (key: string, value: string) => `${key}\u0000${value}`;

function add<V>(map: Map<string, Set<V>>, key: string, id: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function remove<V>(map: Map<string, Set<V>>, key: string, id: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
