import { SelectorParseError } from '../errors.js';
import { compareCodePoints } from '../util/codepoint-compare.js';
import type { SelectorNode } from './ast.js';
import { tokenize, type Token } from './tokenize.js';

/**
 * Parentheses may nest this deep. Calico has no limit (Go stacks grow); JavaScript's do not,
 * and a bounded depth keeps a hostile selector from overflowing the stack.
 */
export const MAX_NESTING = 100;

const VALUE_OPS = { eq: 'eq', ne: 'ne', contains: 'contains', startsWith: 'startsWith', endsWith: 'endsWith' } as const;

/** Parses a selector into its syntax tree. The empty selector is all(). */
export function parseSelectorAst(input: string): SelectorNode {
  const tokens = tokenize(input);
  let at = 0;
  const peek = (): Token => tokens[at]!;
  const fail = (reason: string, token: Token = peek()): never => {
    throw new SelectorParseError(reason, input, token.pos);
  };
  const describe = (t: Token): string =>
    t.kind === 'eof' ? 'end of selector' : t.kind === 'string' || t.kind === 'label' ? `${t.kind} ${JSON.stringify(t.value)}` : `'${input.slice(t.pos, t.pos + 2).trim() || t.kind}'`;

  if (peek().kind === 'eof') return { op: 'all' };

  const parseOr = (depth: number): SelectorNode => {
    const operands = [parseAnd(depth)];
    while (peek().kind === 'or') {
      at++;
      operands.push(parseAnd(depth));
    }
    return operands.length === 1 ? operands[0]! : { op: 'or', operands };
  };

  const parseAnd = (depth: number): SelectorNode => {
    const operands = [parseOperation(depth)];
    while (peek().kind === 'and') {
      at++;
      operands.push(parseOperation(depth));
    }
    return operands.length === 1 ? operands[0]! : { op: 'and', operands };
  };

  const parseOperation = (depth: number): SelectorNode => {
    let negated = false;
    while (peek().kind === 'not') {
      negated = !negated;
      at++;
    }
    const token = peek();
    let node: SelectorNode;
    switch (token.kind) {
      case 'has':
        node = { op: 'has', label: token.value! };
        at++;
        break;
      case 'all':
        node = { op: 'all' };
        at++;
        break;
      case 'global':
        node = { op: 'global' };
        at++;
        break;
      case 'label': {
        const operator = tokens[at + 1]!;
        const operand = tokens[at + 2];
        if (operator.kind === 'eof') fail(`expected an operator after label ${JSON.stringify(token.value)}`, operator);
        if (operator.kind in VALUE_OPS) {
          if (operand?.kind !== 'string') fail(`expected a quoted string after ${describe(operator)}, found ${operand ? describe(operand) : 'end of selector'}`, operand ?? operator);
          node = { op: VALUE_OPS[operator.kind as keyof typeof VALUE_OPS], label: token.value!, value: operand!.value! };
          at += 3;
        } else if (operator.kind === 'in' || operator.kind === 'notIn') {
          if (operand?.kind !== 'lbrace') fail(`expected a set literal {...} after ${operator.kind === 'in' ? 'in' : 'not in'}`, operand ?? operator);
          at += 3;
          const values: string[] = [];
          while (peek().kind === 'string') {
            values.push(peek().value!);
            at++;
            if (peek().kind === 'comma') at++;
            else break;
          }
          if (peek().kind !== 'rbrace') fail(`expected } or a quoted string, found ${describe(peek())}`);
          at++;
          node = { op: operator.kind, label: token.value!, values: [...new Set(values)].sort(compareCodePoints) };
        } else {
          fail(`expected an operator after label ${JSON.stringify(token.value)}, found ${describe(operator)}`, operator);
        }
        break;
      }
      case 'lparen': {
        if (depth >= MAX_NESTING) fail(`parentheses nested deeper than ${MAX_NESTING}`);
        at++;
        node = parseOr(depth + 1);
        if (peek().kind !== 'rparen') fail(`expected ), found ${describe(peek())}`);
        at++;
        break;
      }
      default:
        fail(token.kind === 'eof' ? 'unexpected end of selector' : `unexpected ${describe(token)}`);
    }
    return negated ? { op: 'not', operand: node! } : node!;
  };

  const root = parseOr(0);
  if (peek().kind !== 'eof') fail(`unexpected ${describe(peek())} after a complete expression`);
  return root;
}
