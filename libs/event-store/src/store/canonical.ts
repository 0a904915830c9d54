import { createHash } from 'node:crypto';
import { canonicalJson } from '@palisade/contracts';

export { canonicalJson } from '@palisade/contracts';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash of a value's canonical JSON: content addresses and event content hashes. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
