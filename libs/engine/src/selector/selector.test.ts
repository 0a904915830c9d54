import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SelectorParseError } from '../errors.js';
import type { SelectorNode } from './ast.js';
import { MAX_NESTING, parseSelectorAst } from './parse.js';
import { printSelector } from './print.js';
import { parseSelector } from './selector.js';
import { tokenize } from './tokenize.js';

const keys = ['app', 'role', 'tier', 'env', 'projectcalico.org/namespace'];
const values = ['web', 'db', 'prod', '', "it's"];

/** Random selector trees over a small vocabulary, so generated label sets actually hit them. */
const node: fc.Arbitrary<SelectorNode> = fc.letrec<{ node: SelectorNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<SelectorNode>({ op: 'all' }),
    fc.record({ op: fc.constant('has' as const), label: fc.constantFrom(...keys) }),
    fc.record({
      op: fc.constantFrom('eq' as const, 'ne' as const, 'contains' as const, 'startsWith' as const, 'endsWith' as const),
      label: fc.constantFrom(...keys),
      value: fc.constantFrom(...values),
    }),
    fc.record({
      op: fc.constantFrom('in' as const, 'notIn' as const),
      label: fc.constantFrom(...keys),
      values: fc.uniqueArray(fc.constantFrom(...values), { maxLength: 3 }).map((v) => [...v].sort()),
    }),
    fc.record({ op: fc.constant('not' as const), operand: tie('node') }).filter((n) => n.operand.op !== 'not'),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), operands: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
  ),
})).node;

const labelSet = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), { maxKeys: 5 });

describe('selector properties', () => {
  it('canonical strings round-trip: parse(print(x)) prints the same and matches the same labels', () => {
    fc.assert(
      fc.property(node, fc.array(labelSet, { maxLength: 8 }), (tree, sets) => {
        const text = printSelector(tree);
        const reparsed = parseSelector(text);
        expect(reparsed.toString()).toBe(text);
        const original = parseSelector(text);
        for (const labels of sets) expect(reparsed.matches(labels)).toBe(original.matches(labels));
      }),
      { numRuns: 500 },
    );
  });

  it('canonical form is a fixed point for any parsable input', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z()!&|=' "{},.-]{0,40}$/), (input) => {
        let first: string;
        try {
          first = parseSelector(input).toString();
        } catch (error) {
          expect(error).toBeInstanceOf(SelectorParseError);
          return;
        }
        expect(parseSelector(first).toString()).toBe(first);
      }),
      { numRuns: 2000 },
    );
  });

  it('no input up to 10 KB throws anything but SelectorParseError', () => {
    const alphabet = fc.constantFrom(...'ab/.-_ \t()!&|=\'"{},'.split(''), 'has(', 'all()', 'global()', ' in ', ' not in ', ' contains ', ' starts with ', '&&', '||', '==', '!=');
    const selectorish = fc.array(alphabet, { maxLength: 2500, size: 'max' }).map((parts) => parts.join('').slice(0, 10_240));
    fc.assert(
      fc.property(fc.oneof(selectorish, fc.string({ maxLength: 10_240, unit: 'binary', size: 'max' })), (input) => {
        try {
          parseSelector(input);
        } catch (error) {
          expect(error).toBeInstanceOf(SelectorParseError);
          const e = error as SelectorParseError;
          expect(e.position).toBeGreaterThanOrEqual(0);
          expect(e.position).toBeLessThanOrEqual(input.length);
        }
        // The tokenizer makes one pass: never more tokens than characters (plus the end marker),
        // and the parser consumes each token once, so work grows linearly with input.
        try {
          expect(tokenize(input).length).toBeLessThanOrEqual(input.length + 1);
        } catch (error) {
          if (!(error instanceof SelectorParseError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles hostile shapes of 10 KB without overflowing the stack', () => {
    const hostile = [
      '('.repeat(5000) + 'a == "b"' + ')'.repeat(5000),
      '!'.repeat(10_000) + 'has(a)',
      Array.from({ length: 900 }, (_, i) => `k${i} == "v"`)
        .join(' && ')
        .slice(0, 10_240)
        .replace(/ &&[^&]*$/, ''),
      `a in {${Array.from({ length: 1500 }, (_, i) => `"${i}"`).join(',')}}`,
      'a'.repeat(10_000),
      '"'.repeat(10_000),
    ];
    for (const input of hostile) {
      try {
        parseSelector(input);
      } catch (error) {
        expect(error).toBeInstanceOf(SelectorParseError);
      }
    }
    expect(() => parseSelectorAst('('.repeat(MAX_NESTING + 1) + 'all()' + ')'.repeat(MAX_NESTING + 1))).toThrow(/nested deeper/);
    expect(parseSelector('!'.repeat(10_001) + 'has(a)').toString()).toBe('!has(a)');
  });
});

describe('selector semantics', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ["role == 'db'", { role: 'db' }, true],
    ["role != 'db'", {}, true],
    ["role not in {'db'}", {}, true],
    ['role in {}', { role: '' }, false],
    ["role contains 'b'", {}, false],
    ['has(constructor)', {}, false],
    ["toString == 'x'", { toString: 'x' }, true],
    ["!has(a) || b == 'x' && c in {'y'}", { a: '1', b: 'x', c: 'y' }, true],
    ["!has(a) || b == 'x' && c in {'y'}", { a: '1', b: 'x' }, false],
    ['all()', {}, true],
    ['!all()', { a: 'b' }, false],
    ['global()', {}, true],
  ];
  it.each(cases)('%s on %j is %s', (selector, labels, expected) => {
    expect(parseSelector(selector).matches(labels)).toBe(expected);
  });

  it('reports where a selector went wrong', () => {
    const error = (() => {
      try {
        parseSelector("role == 'db' && tier squiggles 'x'");
      } catch (e) {
        return e as SelectorParseError;
      }
      throw new Error('expected a parse error');
    })();
    expect(error.position).toBe(21);
    expect(error.reason).toMatch(/expected an operator .* after label "tier"/);
    expect(error.message).toContain('at position 21');
  });

  it('gives the precedence Calico gives: ! over && over ||', () => {
    expect(parseSelector("!has(a) || b == 'x' && c in {'y'}").toString()).toBe('(!has(a) || (b == "x" && c in {"y"}))');
  });
});
