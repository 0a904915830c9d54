import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '@palisade/event-store';

/** Whether a presented secret hashes to the stored SHA-256 (hex), compared in constant time. */
export function secretMatches(storedHashHex: string, secret: string): boolean {
  const expected = Buffer.from(storedHashHex, 'hex');
  const actual = Buffer.from(sha256Hex(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
