import { canonicalJson } from '@palisade/event-store';

/** One field that differs: its path, and the value on each side (absent: undefined). */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ResourceSetDiff {
  added: string[];
  removed: string[];
  changed: { key: string; fields: FieldChange[] }[];
}

/** Field-by-field differences between two JSON values, with paths like `spec.ingress[0].action`. */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((v, i) => diffValues(v, after[i], `${path}[${i}]`));
  }
  return [{ path: path || '(whole)', ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
}

/** What differs between two resource sets (key → resource). */
export function diffResourceSets(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): ResourceSetDiff {
  const added = [...after.keys()].filter((k) => !before.has(k)).sort();
  const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
  const changed = [...after.keys()]
    .filter((k) => before.has(k))
    .sort()
    .map((key) => ({ key, fields: diffValues(before.get(key), after.get(key)) }))
    .filter((c) => c.fields.length > 0);
  return { added, removed, changed };
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** The diff as a person reads it: one line per resource added or removed, one per field changed. */
export function formatDiff(diff: ResourceSetDiff): string {
  const lines: string[] = [];
  for (const key of diff.added) lines.push(`+ ${key}`);
  for (const key of diff.removed) lines.push(`- ${key}`);
  for (const { key, fields } of diff.changed) {
    lines.push(`~ ${key}`);
    for (const f of fields) lines.push(`    ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
  }
  return lines.length ? lines.join('\n') : 'no differences';
}
