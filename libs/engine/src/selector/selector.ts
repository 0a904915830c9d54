import { base64UrlNoPad } from '../util/base64url.js';
import { sha224Text } from '../util/sha2.js';
import type { SelectorNode } from './ast.js';
import { compileSelector, type Labels } from './compile.js';
import { parseSelectorAst } from './parse.js';
import { printSelector } from './print.js';
import { labelRestrictions, type LabelRestrictions } from './restrictions.js';
import { prefixLabels } from './rewrite.js';

/** A parsed, compiled selector. */
export interface Selector {
  /** True when the labels satisfy the selector. Compiled once; cheap to call. */
  matches(labels: Labels): boolean;
  /** The canonical form (Calico's Selector.String()). */
  toString(): string;
  /** "s:" + base64url(SHA-224("s:" + canonical)): Calico's selector UID. */
  uniqueId(): string;
  labelRestrictions(): LabelRestrictions;
  /** The same selector with every label name prefixed (how namespace selectors become pcns.*). */
  withLabelPrefix(prefix: string): Selector;
  readonly ast: SelectorNode;
}

/** Wraps a syntax tree; the canonical string and the UID are computed once, on first use. */
export function selectorFromAst(ast: SelectorNode): Selector {
  const matches = compileSelector(ast);
  let text: string | undefined;
  let uid: string | undefined;
  let restrictions: LabelRestrictions | undefined;
  const selector: Selector = {
    ast,
    matches,
    toString: () => (text ??= printSelector(ast)),
    uniqueId: () => (uid ??= 's:' + base64UrlNoPad(sha224Text('s:' + selector.toString()))),
    labelRestrictions: () => (restrictions ??= labelRestrictions(ast)),
    withLabelPrefix: (prefix) => selectorFromAst(prefixLabels(ast, prefix)),
  };
  return selector;
}

/**
 * Parses a Calico selector expression. Throws SelectorParseError, carrying the position of the
 * problem, for anything Calico would reject. The empty string is all().
 */
export function parseSelector(expression: string): Selector {
  return selectorFromAst(parseSelectorAst(expression));
}
