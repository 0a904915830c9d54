/**
 * Where a request holds text PostgreSQL cannot store: a NUL character (refused in text and
 * jsonb) or a lone UTF-16 surrogate (not encodable as UTF-8). Checked at the edge so such a
 * request is a 400 naming the field, not a database error. Walks iteratively: request bodies are
 * capped in size but not in nesting.
 */
export function badText(input: unknown): { path: string; problem: string } | undefined {
  const stack: { value: unknown; path: string }[] = [{ value: input, path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path: path || 'the request', problem };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: path ? `${path}.${i}` : String(i) });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const keyProblem = textProblem(key);
        const at = path ? `${path}.${key}` : key;
        if (keyProblem) return { path: at, problem: `its name ${keyProblem}` };
        stack.push({ value: child, path: at });
      }
    }
  }
  return undefined;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (no u flag: code units). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode text';
  return undefined;
}
