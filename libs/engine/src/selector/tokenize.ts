import { SelectorParseError } from '../errors.js';

/** Token kinds of the selector language, as Calico's tokenizer names them. */
export type TokenKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'not'
  | 'notIn'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'all'
  | 'has'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'global'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The label name (label, has) or the unquoted string (string). */
  value?: string;
  /** 0-based offset of the token's first character. */
  pos: number;
}

/** Label keys in selectors: [A-Za-z0-9_./-]{1,512}. */
export const MAX_LABEL_LENGTH = 512;

function isIdentChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 95 || // _
    c === 46 || // .
    c === 47 || // /
    c === 45 // -
  );
}

export function isValidSelectorLabel(label: string): boolean {
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH) return false;
  for (let i = 0; i < label.length; i++) if (!isIdentChar(label.charCodeAt(i))) return false;
  return true;
}

/**
 * Splits a selector into tokens exactly as Calico does: only spaces and tabs separate tokens;
 * after a label only an operator may follow (so `contains contains "x"` is a label and an
 * operator); the word operators need a word boundary after them; `notin`, `startswith` and
 * `endswith` are accepted without the inner space.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  const fail = (reason: string, at: number): never => {
    throw new SelectorParseError(reason, input, at);
  };
  const skipSpace = (from: number): number => {
    let j = from;
    while (j < n && (input.charCodeAt(j) === 32 || input.charCodeAt(j) === 9)) j++;
    return j;
  };
  const startsAt = (word: string, at: number) => input.startsWith(word, at);
  const boundaryAt = (at: number) => at >= n || !isIdentChar(input.charCodeAt(at));
  /** Words separated by optional spaces, then a word boundary: returns the end, or -1. */
  const multiWord = (at: number, ...words: string[]): number => {
    let j = at;
    for (const word of words) {
      if (!startsAt(word, j)) return -1;
      j = skipSpace(j + word.length);
    }
    // Calico trims spaces after the last word too; the boundary is checked after them.
    return boundaryAt(j) ? j : -1;
  };
  const identifier = (at: number): number => {
    let j = at;
    while (j < n && isIdentChar(input.charCodeAt(j))) j++;
    if (j === at) fail('expected a label name', at);
    if (j - at > MAX_LABEL_LENGTH) fail(`label longer than ${MAX_LABEL_LENGTH} characters`, at);
    return j;
  };

  for (;;) {
    i = skipSpace(i);
    if (i >= n) {
      tokens.push({ kind: 'eof', pos: n });
      return tokens;
    }
    const start = i;
    const c = input[i]!;
    const last = tokens.length > 0 ? tokens[tokens.length - 1]!.kind : undefined;
    switch (c) {
      case '(':
        tokens.push({ kind: 'lparen', pos: start });
        i++;
        break;
      case ')':
        tokens.push({ kind: 'rparen', pos: start });
        i++;
        break;
      case '"':
      case "'": {
        // No escapes: a string runs to the next identical quote.
        const end = input.indexOf(c, i + 1);
        if (end === -1) fail('unterminated string', start);
        tokens.push({ kind: 'string', value: input.slice(i + 1, end), pos: start });
        i = end + 1;
        break;
      }
      case '{':
        tokens.push({ kind: 'lbrace', pos: start });
        i++;
        break;
      case '}':
        tokens.push({ kind: 'rbrace', pos: start });
        i++;
        break;
      case ',':
        tokens.push({ kind: 'comma', pos: start });
        i++;
        break;
      case '=':
        if (input[i + 1] !== '=') fail('expected ==', start);
        tokens.push({ kind: 'eq', pos: start });
        i += 2;
        break;
      case '!':
        if (input[i + 1] === '=') {
          tokens.push({ kind: 'ne', pos: start });
          i += 2;
        } else {
          tokens.push({ kind: 'not', pos: start });
          i++;
        }
        break;
      case '&':
        if (input[i + 1] !== '&') fail('expected &&', start);
        tokens.push({ kind: 'and', pos: start });
        i += 2;
        break;
      case '|':
        if (input[i + 1] !== '|') fail('expected ||', start);
        tokens.push({ kind: 'or', pos: start });
        i += 2;
        break;
      default: {
        if (last === 'label') {
          let end: number;
          if (startsAt('contains', i) && boundaryAt(i + 8)) {
            tokens.push({ kind: 'contains', pos: start });
            i += 8;
          } else if ((end = multiWord(i, 'starts', 'with')) >= 0) {
            tokens.push({ kind: 'startsWith', pos: start });
            i = end;
          } else if ((end = multiWord(i, 'ends', 'with')) >= 0) {
            tokens.push({ kind: 'endsWith', pos: start });
            i = end;
          } else if ((end = multiWord(i, 'not', 'in')) >= 0) {
            tokens.push({ kind: 'notIn', pos: start });
            i = end;
          } else if (startsAt('in', i) && boundaryAt(i + 2)) {
            tokens.push({ kind: 'in', pos: start });
            i += 2;
          } else {
            fail(`expected an operator (==, !=, in, not in, contains, starts with, ends with) after label ${JSON.stringify(tokens[tokens.length - 1]!.value)}`, start);
          }
        } else if (startsAt('has(', i)) {
          const identStart = skipSpace(i + 4);
          const identEnd = identifier(identStart);
          const close = skipSpace(identEnd);
          if (input[close] !== ')') fail("no closing ')' after has(", close);
          tokens.push({ kind: 'has', value: input.slice(identStart, identEnd), pos: start });
          i = close + 1;
        } else if (startsAt('all(', i) || startsAt('global(', i)) {
          const isAll = input[i] === 'a';
          const close = skipSpace(i + (isAll ? 4 : 7));
          if (input[close] !== ')') fail(`no closing ')' after ${isAll ? 'all' : 'global'}(`, close);
          tokens.push({ kind: isAll ? 'all' : 'global', pos: start });
          i = close + 1;
        } else {
          if (!isIdentChar(input.charCodeAt(i))) fail(`unexpected character ${JSON.stringify(c)}`, start);
          const end = identifier(i);
          tokens.push({ kind: 'label', value: input.slice(i, end), pos: start });
          i = end;
        }
      }
    }
  }
}
