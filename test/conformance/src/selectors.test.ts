// Selector vectors transcribed from Calico's own tests (calico/selectors.json, see calico/README.md
// for the upstream files and commit). Every vector must pass.
import { describe, expect, it } from 'vitest';
import { parseSelector, prefixLabels, printSelector, SelectorParseError, sortedRestrictions, tokenize, type TokenKind } from '@palisade/engine';
import { loadVectors } from './vectors.js';

interface SelectorVectors {
  match: { selector: string; labels: Record<string, string>; expected: boolean; case: number }[];
  invalid: string[];
  valid: string[];
  canonical: { input: string; string: string; uid?: string }[];
  labelRestrictions: { selector: string; restrictions: Record<string, { mustBePresent: boolean; mustBeAbsent: boolean; mustHaveOneOfValues: string[] | null }> }[];
  visitor: { name: string; input: string; prefix: string; string: string }[];
  tokens: { input: string; tokens?: { kind: string; value?: string }[]; error?: boolean }[];
}

const vectors = loadVectors<SelectorVectors>('calico/selectors.json');

/** Calico's token kind names, for comparing token streams. */
const GO_KIND: Record<TokenKind, string> = {
  label: 'TokLabel',
  string: 'TokStringLiteral',
  lbrace: 'TokLBrace',
  rbrace: 'TokRBrace',
  comma: 'TokComma',
  eq: 'TokEq',
  ne: 'TokNe',
  in: 'TokIn',
  not: 'TokNot',
  notIn: 'TokNotIn',
  contains: 'TokContains',
  startsWith: 'TokStartsWith',
  endsWith: 'TokEndsWith',
  all: 'TokAll',
  has: 'TokHas',
  lparen: 'TokLParen',
  rparen: 'TokRParen',
  and: 'TokAnd',
  or: 'TokOr',
  global: 'TokGlobal',
  eof: 'TokEOF',
};

describe('Calico selector conformance', () => {
  it.each(vectors.match.map((v) => [v.selector, v.labels, v.expected] as const))('%s on %j is %s', (selector, labels, expected) => {
    const parsed = parseSelector(selector);
    expect(parsed.matches(labels)).toBe(expected);
    // The canonical form must mean the same thing.
    expect(parseSelector(parsed.toString()).matches(labels)).toBe(expected);
  });

  it.each(vectors.invalid.map((s) => [s]))('rejects %j with a located SelectorParseError', (selector) => {
    let error: unknown;
    try {
      parseSelector(selector);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SelectorParseError);
    const position = (error as SelectorParseError).position;
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThanOrEqual(selector.length);
  });

  it.each(vectors.valid.map((s) => [s]))('accepts %j, and its canonical form is stable', (selector) => {
    const once = parseSelector(selector).toString();
    expect(parseSelector(once).toString()).toBe(once);
  });

  it.each(vectors.canonical.map((v) => [v.input, v.string, v.uid] as const))('canonicalises %j to %j', (input, canonical, uid) => {
    const parsed = parseSelector(input);
    expect(parsed.toString()).toBe(canonical);
    if (uid) expect(parsed.uniqueId()).toBe(uid);
  });

  it.each(vectors.labelRestrictions.map((v) => [v.selector, v.restrictions] as const))('label restrictions of %j', (selector, restrictions) => {
    expect(sortedRestrictions(parseSelector(selector).labelRestrictions())).toEqual(sortedRestrictions(restrictions));
  });

  it.each(vectors.visitor.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    expect(printSelector(prefixLabels(parseSelector(v.input).ast, v.prefix))).toBe(v.string);
    expect(parseSelector(v.input).withLabelPrefix(v.prefix).toString()).toBe(v.string);
  });

  it.each(vectors.tokens.map((v) => [v.input, v] as const))('tokenizes %j', (input, v) => {
    if (v.error) {
      expect(() => tokenize(input)).toThrow(SelectorParseError);
      return;
    }
    const tokens = tokenize(input).map((t) => (t.value === undefined ? { kind: GO_KIND[t.kind] } : { kind: GO_KIND[t.kind], value: t.value }));
    expect(tokens).toEqual(v.tokens);
  });
});
