/**
 * A three-way merge of JSON values (a policy as it was loaded, as someone else saved it, and as
 * edited here): changes on one side only are taken; where both sides changed the same field
 * differently, that field is a conflict and keeps the edit made here until the person chooses.
 */
export interface MergeResult {
  merged: unknown;
  /** Dotted paths ("spec.ingress[0].action") both sides changed differently. */
  conflicts: { path: string; base: unknown; theirs: unknown; mine: unknown }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

export function mergeThreeWay(base: unknown, theirs: unknown, mine: unknown): MergeResult {
  const conflicts: MergeResult['conflicts'] = [];
  const merged = mergeAt('', base, theirs, mine, conflicts);
  return { merged, conflicts };
}

function mergeAt(path: string, base: unknown, theirs: unknown, mine: unknown, conflicts: MergeResult['conflicts']): unknown {
  if (same(theirs, mine)) return mine;
  if (same(base, theirs)) return mine;
  if (same(base, mine)) return theirs;
  if (isObject(base) && isObject(theirs) && isObject(mine)) {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(mine), ...Object.keys(theirs), ...Object.keys(base)])) {
      const value = mergeAt(join(path, key), base[key], theirs[key], mine[key], conflicts);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  // Lists of rules merge element by element only when neither side added or removed one.
  if (Array.isArray(base) && Array.isArray(theirs) && Array.isArray(mine) && base.length === theirs.length && base.length === mine.length) {
    return base.map((b, i) => mergeAt(join(path, i), b, theirs[i], mine[i], conflicts));
  }
  conflicts.push({ path: path || '(the whole resource)', base, theirs, mine });
  return mine;
}
