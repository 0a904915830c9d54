// The hand-written SHA-2 against Node's OpenSSL, at every padding boundary and past several blocks,
// with non-ASCII text through utf8Bytes as selector ids hash it.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64UrlNoPad } from './base64url.js';
import { sha224, sha224Text, sha256, toHex } from './sha2.js';
import { utf8Bytes } from './utf8.js';

const node = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest('hex');

describe('sha224 and sha256', () => {
  it('match OpenSSL for every length from 0 to 300 bytes and for long messages', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) | 0) >>> 16) / 65_536;
    const lengths = [...Array.from({ length: 301 }, (_, i) => i), 1_000, 4_096, 65_537];
    for (const length of lengths) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      expect(toHex(sha256(bytes)), `sha256 of ${length} bytes`).toBe(node('sha256', bytes));
      expect(toHex(sha224(bytes)), `sha224 of ${length} bytes`).toBe(node('sha224', bytes));
    }
  });

  it('hash a short message correctly after a long one (the padding buffer is reused)', () => {
    sha256(new Uint8Array(10_000).fill(0xff));
    expect(toHex(sha256(utf8Bytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha224(new Uint8Array(0)))).toBe('d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f');
  });

  it('encode text as UTF-8 exactly as TextEncoder does, lone surrogates included', () => {
    for (const text of ['', 's:app == "web"', 'ünïcode', '日本語', '😀 emoji', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d']) {
      expect(Array.from(utf8Bytes(text)), text).toEqual(Array.from(new TextEncoder().encode(text)));
      expect(toHex(sha224Text(text)), text).toBe(createHash('sha224').update(text).digest('hex'));
    }
    expect(base64UrlNoPad(sha224(utf8Bytes('s:app == "web"')))).toBe(Buffer.from(createHash('sha224').update('s:app == "web"').digest()).toString('base64url'));
  });
});
