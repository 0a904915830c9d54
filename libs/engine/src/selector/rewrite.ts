import type { SelectorNode } from './ast.js';

/** The same tree with every label name passed through `rename`. */
export function mapLabels(node: SelectorNode, rename: (label: string) => string): SelectorNode {
  switch (node.op) {
    case 'all':
    case 'global':
      return node;
    case 'not':
      return { op: 'not', operand: mapLabels(node.operand, rename) };
    case 'and':
    case 'or':
      return { op: node.op, operands: node.operands.map((o) => mapLabels(o, rename)) };
    default:
      return { ...node, label: rename(node.label) };
  }
}

/** Calico's PrefixVisitor: prefixes every label name (how pcns./pcsa. selectors are made). */
export function prefixLabels(node: SelectorNode, prefix: string): SelectorNode {
  return mapLabels(node, (label) => prefix + label);
}

/** Replaces every all() node, as Calico's v3-to-backend conversion does for namespace and SA selectors. */
export function replaceAll(node: SelectorNode, replacement: SelectorNode): SelectorNode {
  switch (node.op) {
    case 'all':
      return replacement;
    case 'not':
      return { op: 'not', operand: replaceAll(node.operand, replacement) };
    case 'and':
    case 'or':
      return { op: node.op, operands: node.operands.map((o) => replaceAll(o, replacement)) };
    default:
      return node;
  }
}

/** True when any node of the tree is global(). */
export function containsGlobal(node: SelectorNode): boolean {
  switch (node.op) {
    case 'global':
      return true;
    case 'not':
      return containsGlobal(node.operand);
    case 'and':
    case 'or':
      return node.operands.some(containsGlobal);
    default:
      return false;
  }
}

/** a && b, flattening nested ands; all() operands disappear. */
export function andNodes(...nodes: SelectorNode[]): SelectorNode {
  const operands = nodes.flatMap((n) => (n.op === 'and' ? [...n.operands] : n.op === 'all' ? [] : [n]));
  if (operands.length === 0) return { op: 'all' };
  return operands.length === 1 ? operands[0]! : { op: 'and', operands };
}
