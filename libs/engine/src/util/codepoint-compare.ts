/**
 * Orders strings by Unicode code point, which is the byte order of their UTF-8 encoding: the
 * order Go's sort.Strings gives. JavaScript's default sort compares UTF-16 code units instead,
 * which differs once characters outside the Basic Multilingual Plane are involved.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800-0xDFFF) stands for a code point above 0xFFFF, so it sorts after
    // every BMP code unit above it in UTF-16 terms (0xE000-0xFFFF).
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
