/**
 * JSON with object keys sorted at every level and no whitespace: the one text a value hashes
 * as, whatever order its keys were written in or PostgreSQL's jsonb gives them back in. Here,
 * not in the event store, because agents check release hashes without a database.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
