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
  const out: string[] = [];
  const visit = (n: SelectorNode): void => {
    switch (n.op) {
      case 'all':
        out.push('all()');
        return;
      case 'global':
        out.push('global()');
        return;
      case 'has':
        out.push('has(', n.label, ')');
        return;
      case 'eq':
      case 'ne':
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        out.push(n.label, OP_TEXT[n.op], quote(n.value));
        return;
      case 'in':
      case 'notIn':
        out.push(n.label, n.op === 'in' ? ' in {' : ' not in {', n.values.map(quote).join(', '), '}');
        return;
      case 'not':
        out.push('!');
        visit(n.operand);
        return;
      case 'and':
      case 'or':
        out.push('(');
        n.operands.forEach((operand, i) => {
          if (i > 0) out.push(n.op === 'and' ? ' && ' : ' || ');
          visit(operand);
        });
        out.push(')');
        return;
    }
  };
  visit(node);
  return out.join('');
}
