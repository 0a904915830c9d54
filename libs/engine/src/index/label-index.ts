import type { Labels } from '../selector/compile.js';
import type { Selector } from '../selector/selector.js';

/**
 * Items (endpoints, network sets) by label, so a selector is tried only on items that can match
 * it: a selector that needs `app == 'web'` or `app in {...}` looks up those values, one that
 * needs `has(app)` looks up the key, and only selectors that restrict nothing scan everything.
 * This is what Calico's label index does for Felix.
 */
export class LabelIndex<T> {
  private readonly items = new Map<string, { item: T; labels: Labels }>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly byPair = new Map<string, Set<string>>();

  get size(): number {
    return this.items.size;
  }

  set(id: string, item: T, labels: Labels): void {
    this.delete(id);
    this.items.set(id, { item, labels });
    for (const key in labels) {
      add(this.byKey, key, id);
      add(this.byPair, pair(key, labels[key]!), id);
    }
  }

  delete(id: string): void {
    const existing = this.items.get(id);
    if (!existing) return;
    for (const key in existing.labels) {
      remove(this.byKey, key, id);
      remove(this.byPair, pair(key, existing.labels[key]!), id);
    }
    this.items.delete(id);
  }

  get(id: string): T | undefined {
    return this.items.get(id)?.item;
  }

  /** Every item the selector matches, by id. */
  matching(selector: Selector): Map<string, T> {
    const out = new Map<string, T>();
    for (const id of this.candidates(selector)) {
      const entry = this.items.get(id)!;
      if (selector.matches(entry.labels)) out.set(id, entry.item);
    }
    return out;
  }

  /** The smallest id set the selector's label restrictions allow, or every id. */
  private candidates(selector: Selector): Iterable<string> {
    let best: Iterable<string> | undefined;
    let bestSize = Number.POSITIVE_INFINITY;
    for (const [key, r] of Object.entries(selector.labelRestrictions())) {
      if (r.mustHaveOneOfValues !== null) {
        const sets = r.mustHaveOneOfValues.map((v) => this.byPair.get(pair(key, v))).filter((s): s is Set<string> => s !== undefined);
        const size = sets.reduce((n, s) => n + s.size, 0);
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
    return best ?? this.items.keys();
  }
}

/**
 * The other way round: selectors by the labels they require, so the selectors that can match one
 * item (an endpoint whose labels just changed) are found without trying every selector.
 */
export class SelectorIndex<T> {
  private readonly entries = new Map<string, { value: T; selector: Selector }>();
  private readonly byPair = new Map<string, Set<string>>();
  private readonly byKey = new Map<string, Set<string>>();
  /** Selectors that restrict no label: tried on every item. */
  private readonly unrestricted = new Set<string>();

  set(id: string, value: T, selector: Selector): void {
    this.delete(id);
    this.entries.set(id, { value, selector });
    const anchor = indexAnchor(selector);
    if (!anchor) this.unrestricted.add(id);
    else if (anchor.values) for (const v of anchor.values) add(this.byPair, pair(anchor.key, v), id);
    else add(this.byKey, anchor.key, id);
  }

  delete(id: string): void {
    const existing = this.entries.get(id);
    if (!existing) return;
    const anchor = indexAnchor(existing.selector);
    if (!anchor) this.unrestricted.delete(id);
    else if (anchor.values) for (const v of anchor.values) remove(this.byPair, pair(anchor.key, v), id);
    else remove(this.byKey, anchor.key, id);
    this.entries.delete(id);
  }

  /** The entries whose selector matches these labels. */
  matching(labels: Labels): Map<string, T> {
    const out = new Map<string, T>();
    const consider = (id: string) => {
      if (out.has(id)) return;
      const entry = this.entries.get(id)!;
      if (entry.selector.matches(labels)) out.set(id, entry.value);
    };
    for (const id of this.unrestricted) consider(id);
    for (const key in labels) {
      for (const id of this.byKey.get(key) ?? []) consider(id);
      for (const id of this.byPair.get(pair(key, labels[key]!)) ?? []) consider(id);
    }
    return out;
  }

  values(): IterableIterator<{ value: T; selector: Selector }> {
    return this.entries.values();
  }
}

/** The single label restriction a selector is filed under: a key with values if it has one, else a required key. */
function indexAnchor(selector: Selector): { key: string; values?: string[] } | undefined {
  let keyOnly: string | undefined;
  for (const [key, r] of Object.entries(selector.labelRestrictions())) {
    if (r.mustHaveOneOfValues !== null) return { key, values: r.mustHaveOneOfValues };
    if (r.mustBePresent) keyOnly ??= key;
  }
  return keyOnly !== undefined ? { key: keyOnly } : undefined;
}

const pair = (key: string, value: string) => `${key}\u0000${value}`;

function add(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}

function remove(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) map.delete(key);
}
