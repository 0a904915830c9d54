// SHA-224 and SHA-256 (FIPS 180-4) in plain TypeScript: the engine runs in browsers and may not
// use node:crypto, and WebCrypto is asynchronous. Selector ids hash every parsed selector, so this
// is on the parse path: all arithmetic stays in int32 (`| 0`), which V8 keeps in registers, and
// the message schedule and padding reuse module buffers (no allocation but the output). `>>> 0`
// arithmetic, as written first, made values above 2^31 heap numbers: it hashed about five times slower.
import { utf8Bytes } from './utf8.js';

// Round constants as int32 (the bit patterns of FIPS 180-4's, which is all the arithmetic sees).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV256 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const IV224 = new Int32Array([0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4]);

const W = new Int32Array(64);
const H = new Int32Array(8);
/** The padded message, grown when a longer one comes (hashing is synchronous, so one suffices). */
let padded = new Uint8Array(256);

/** The padded length of a message of `length` bytes, with room for it made in `padded`. */
function reserve(length: number): number {
  const total = ((length + 9 + 63) >> 6) << 6;
  if (padded.length < total) padded = new Uint8Array(Math.max(total, padded.length * 2));
  return total;
}

/** Hashes the `length` bytes of message at the start of `padded`; `total` is what `reserve(length)` returned. */
function digest(length: number, total: number, iv: Int32Array, outWords: number): Uint8Array {
  const p = padded;
  p[length] = 0x80;
  p.fill(0, length + 1, total - 8);
  // The length in bits, big-endian in the last 8 bytes (messages under 2^53 bits).
  const high = Math.floor(length / 0x20000000);
  const low = (length << 3) | 0;
  p[total - 8] = high >>> 24;
  p[total - 7] = high >>> 16;
  p[total - 6] = high >>> 8;
  p[total - 5] = high;
  p[total - 4] = low >>> 24;
  p[total - 3] = low >>> 16;
  p[total - 2] = low >>> 8;
  p[total - 1] = low;
  H.set(iv);
  const w = W;
  const k = K;
  for (let offset = 0; offset < total; offset += 64) {
    for (let i = 0, o = offset; i < 16; i++, o += 4) w[i] = (p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = H[0]!;
    let b = H[1]!;
    let c = H[2]!;
    let d = H[3]!;
    let e = H[4]!;
    let f = H[5]!;
    let g = H[6]!;
    let h = H[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + k[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + ((S0 + maj) | 0)) | 0;
    }
    H[0] = (H[0]! + a) | 0;
    H[1] = (H[1]! + b) | 0;
    H[2] = (H[2]! + c) | 0;
    H[3] = (H[3]! + d) | 0;
    H[4] = (H[4]! + e) | 0;
    H[5] = (H[5]! + f) | 0;
    H[6] = (H[6]! + g) | 0;
    H[7] = (H[7]! + h) | 0;
  }
  const out = new Uint8Array(outWords * 4);
  for (let i = 0, o = 0; i < outWords; i++, o += 4) {
    const v = H[i]!;
    out[o] = v >>> 24;
    out[o + 1] = v >>> 16;
    out[o + 2] = v >>> 8;
    out[o + 3] = v;
  }
  return out;
}

function digestBytes(message: Uint8Array, iv: Int32Array, outWords: number): Uint8Array {
  const total = reserve(message.length);
  padded.set(message);
  return digest(message.length, total, iv, outWords);
}

export const sha256 = (message: Uint8Array): Uint8Array => digestBytes(message, IV256, 8);
export const sha224 = (message: Uint8Array): Uint8Array => digestBytes(message, IV224, 7);

/** SHA-224 of a string's UTF-8: ASCII (nearly every selector) is written straight into the block. */
export function sha224Text(text: string): Uint8Array {
  const length = text.length;
  const total = reserve(length);
  const p = padded;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return sha224(utf8Bytes(text));
    p[i] = c;
  }
  return digest(length, total, IV224, 7);
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
