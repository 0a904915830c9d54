import type { SelectorNode } from './ast.js';

/** Labels as the engine sees them: an object from label key to value. */
export type Labels = Readonly<Record<string, string>>;
export type Matcher = (labels: Labels) => boolean;

/**
 * A copy of `labels` without a prototype: the form the engine keeps endpoint labels in, so no
 * inherited name can pass for a label wherever labels are read, and matching is faster still.
 */
export function labelSet(labels: Labels | undefined): Labels {
  return Object.assign(Object.create(null) as Record<string, string>, labels);
}

/**
 * Every label read is guarded by an own-property test: it keeps an inherited name (constructor,
 * toString ...) from passing for a label on an ordinary object, and it is the fast path too. On
 * ordinary objects of many shapes (labels parsed from YAML) a bare `labels[key]` of an absent key
 * misses V8's megamorphic cache and walks the prototype chain; `hasOwnProperty` answers from the
 * object alone. Measured on the selector bench's mix: about 3.5x on ordinary objects, and no
 * slower on labelSet()s.
 */
const hasOwn = Object.prototype.hasOwnProperty;

const TRUE: Matcher = () => true;
const FALSE: Matcher = () => false;

/**
 * Compiles a selector tree once into nested closures, so matching never walks the tree or
 * dispatches on node types at match time. Semantics are Calico's: `!=` and `not in` also match
 * when the label is absent; every other label operator needs the label present.
 */
export function compileSelector(node: SelectorNode): Matcher {
  switch (node.op) {
    case 'all':
    case 'global':
      return TRUE;
    case 'has': {
      const key = node.label;
      return (labels) => hasOwn.call(labels, key);
    }
    case 'eq': {
      const key = node.label;
      const value = node.value;
      return (labels) => hasOwn.call(labels, key) && labels[key] === value;
    }
    case 'ne': {
      const key = node.label;
      const value = node.value;
      return (labels) => !hasOwn.call(labels, key) || labels[key] !== value;
    }
    case 'contains': {
      const key = node.label;
      const value = node.value;
      return (labels) => hasOwn.call(labels, key) && labels[key]!.includes(value);
    }
    case 'startsWith': {
      const key = node.label;
      const value = node.value;
      return (labels) => hasOwn.call(labels, key) && labels[key]!.startsWith(value);
    }
    case 'endsWith': {
      const key = node.label;
      const value = node.value;
      return (labels) => hasOwn.call(labels, key) && labels[key]!.endsWith(value);
    }
    case 'in':
    case 'notIn': {
      const key = node.label;
      const negate = node.op === 'notIn';
      const values = node.values;
      if (values.length === 0) return negate ? TRUE : FALSE;
      if (values.length === 1) return compileSelector({ op: negate ? 'ne' : 'eq', label: key, value: values[0]! });
      const set = new Set(values);
      return negate ? (labels) => !hasOwn.call(labels, key) || !set.has(labels[key]!) : (labels) => hasOwn.call(labels, key) && set.has(labels[key]!);
    }
    case 'not': {
      const inner = compileSelector(node.operand);
      return (labels) => !inner(labels);
    }
    case 'and': {
      const parts = node.operands.map(compileSelector);
      if (parts.length === 2) {
        const [a, b] = parts as [Matcher, Matcher];
        return (labels) => a(labels) && b(labels);
      }
      return (labels) => {
        for (const part of parts) if (!part(labels)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.operands.map(compileSelector);
      if (parts.length === 2) {
        const [a, b] = parts as [Matcher, Matcher];
        return (labels) => a(labels) || b(labels);
      }
      return (labels) => {
        for (const part of parts) if (part(labels)) return true;
        return false;
      };
    }
  }
}
