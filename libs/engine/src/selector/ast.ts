/**
 * The selector syntax tree, shaped like Calico's: `&&` and `||` chains are n-ary, repeated `!`
 * collapse, and parentheses leave no node of their own. Set values are sorted and de-duplicated.
 */
export type SelectorNode =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'has'; label: string }
  | { op: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'; label: string; value: string }
  | { op: 'in' | 'notIn'; label: string; values: readonly string[] }
  | { op: 'not'; operand: SelectorNode }
  | { op: 'and' | 'or'; operands: readonly SelectorNode[] };

export type LabelOpNode = Extract<SelectorNode, { label: string }>;
