import type { SelectorNode } from './ast.js';

/** Labels as the engine sees them: a plain object from label key to value. */
export type Labels = Readonly<Record<string, string>>;
export type Matcher = (labels: Labels) => boolean;

/**
 * Keys that a plain object inherits (constructor, toString, __proto__ ...): for those a missing
 * own label must not be mistaken for the inherited property. Every other key is read directly,
 * which is what keeps matching fast.
 */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

type Getter = (labels: Labels) => string | undefined;

function getter(key: string): Getter {
  if (INHERITED.has(key)) {
    return (labels) => (Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined);
  }
  return (labels) => labels[key];
}

const TRUE: Matcher = () => true;

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
      if (INHERITED.has(key)) return (labels) => Object.prototype.hasOwnProperty.call(labels, key);
      return (labels) => labels[key] !== undefined;
    }
    case 'eq': {
      const get = getter(node.label);
      const value = node.value;
      return (labels) => get(labels) === value;
    }
    case 'ne': {
      const get = getter(node.label);
      const value = node.value;
      return (labels) => get(labels) !== value;
    }
    case 'contains': {
      const get = getter(node.label);
      const value = node.value;
      return (labels) => {
        const v = get(labels);
        return v !== undefined && v.includes(value);
      };
    }
    case 'startsWith': {
      const get = getter(node.label);
      const value = node.value;
      return (labels) => {
        const v = get(labels);
        return v !== undefined && v.startsWith(value);
      };
    }
    case 'endsWith': {
      const get = getter(node.label);
      const value = node.value;
      return (labels) => {
        const v = get(labels);
        return v !== undefined && v.endsWith(value);
      };
    }
    case 'in':
    case 'notIn': {
      const get = getter(node.label);
      const negate = node.op === 'notIn';
      const values = node.values;
      if (values.length === 0) return negate ? TRUE : () => false;
      if (values.length === 1) {
        const only = values[0]!;
        return negate ? (labels) => get(labels) !== only : (labels) => get(labels) === only;
      }
      const set = new Set(values);
      return negate
        ? (labels) => {
            const v = get(labels);
            return v === undefined || !set.has(v);
          }
        : (labels) => {
            const v = get(labels);
            return v !== undefined && set.has(v);
          };
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
