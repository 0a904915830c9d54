import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level and no whitespace: the one text a value hashes
 * as, whatever order its keys were written in or PostgreSQL's jsonb gives them back in.
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

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash of a value's canonical JSON: content addresses and event content hashes. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
