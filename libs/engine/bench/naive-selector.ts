// The baseline the selector benchmark compares matching with: a tree-walking interpreter over the
// same syntax tree, the way a selector is evaluated without compiling it (a switch on the node at
// every step, a guarded own-property read per label). Same semantics as the compiled matcher
// (Calico's: `!=` and `not in` also match an absent label), which the benchmark checks by
// comparing their hit counts.
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmarks measure the built package, as the agents and the gateway run it
import type { Labels, SelectorNode } from '@palisade/engine';

const own = (labels: Labels, key: string): string | undefined => (Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined);

export function naiveMatches(node: SelectorNode, labels: Labels): boolean {
  switch (node.op) {
    case 'all':
    case 'global':
      return true;
    case 'has':
      return own(labels, node.label) !== undefined;
    case 'eq':
      return own(labels, node.label) === node.value;
    case 'ne':
      return own(labels, node.label) !== node.value;
    case 'contains':
      return own(labels, node.label)?.includes(node.value) === true;
    case 'startsWith':
      return own(labels, node.label)?.startsWith(node.value) === true;
    case 'endsWith':
      return own(labels, node.label)?.endsWith(node.value) === true;
    case 'in': {
      const v = own(labels, node.label);
      return v !== undefined && node.values.includes(v);
    }
    case 'notIn': {
      const v = own(labels, node.label);
      return v === undefined || !node.values.includes(v);
    }
    case 'not':
      return !naiveMatches(node.operand, labels);
    case 'and':
      return node.operands.every((operand) => naiveMatches(operand, labels));
    case 'or':
      return node.operands.some((operand) => naiveMatches(operand, labels));
  }
}
