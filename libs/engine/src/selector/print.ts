import type { SelectorNode } from './ast.js';

/** A value in the quotes Calico prints: double unless the value itself holds a double quote. */
function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

const OP_TEXT = { eq: ' == ', ne: ' != ', contains: ' contains ', startsWith: ' starts with ', endsWith: ' ends with ' } as const;

/**
 * The canonical form, identical to Calico's Selector.String(): `&&`/`||` groups are always
 * parenthesised, `!` has no parentheses of its own, sets are sorted. Equal canonical strings
 * mean equal selectors for every purpose the platform has (dedupe, IP-set naming, diffs).
 */
export function printSelector(node: SelectorNode): string {
  // Concatenation rather than parts joined at the end: V8 builds these short strings as ropes,
  // and the id of every parsed selector is a hash of this text.
  switch (node.op) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return 'has(' + node.label + ')';
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return node.label + OP_TEXT[node.op] + quote(node.value);
    case 'in':
    case 'notIn': {
      let out = node.label + (node.op === 'in' ? ' in {' : ' not in {');
      for (let i = 0; i < node.values.length; i++) out += (i > 0 ? ', ' : '') + quote(node.values[i]!);
      return out + '}';
    }
    case 'not':
      return '!' + printSelector(node.operand);
    case 'and':
    case 'or': {
      const join = node.op === 'and' ? ' && ' : ' || ';
      let out = '(';
      for (let i = 0; i < node.operands.length; i++) out += (i > 0 ? join : '') + printSelector(node.operands[i]!);
      return out + ')';
    }
  }
}
