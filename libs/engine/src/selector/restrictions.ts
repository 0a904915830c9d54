import { compareCodePoints } from '../util/codepoint-compare.js';
import type { SelectorNode } from './ast.js';

/**
 * What a selector requires of one label for it to match: the basis for indexing endpoints by
 * label so a selector is only tried against endpoints that can match it.
 */
export interface LabelRestriction {
  mustBePresent: boolean;
  mustBeAbsent: boolean;
  /** When set, the label must have one of these values; an empty list means no value can match. */
  mustHaveOneOfValues: string[] | null;
}

export type LabelRestrictions = Record<string, LabelRestriction>;

const present = (values: string[] | null): LabelRestriction => ({ mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: values });

/** Calico's LabelRestrictions analysis, rule for rule. */
export function labelRestrictions(node: SelectorNode): LabelRestrictions {
  switch (node.op) {
    case 'eq':
      return { [node.label]: present([node.value]) };
    case 'in':
      return { [node.label]: present([...node.values]) };
    case 'has':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return { [node.label]: present(null) };
    case 'not':
      // Only !has(k) says something definite: k must be absent. !(k == 'v') does not require
      // k to be absent, so nothing else can be inverted.
      if (node.operand.op === 'has') return { [node.operand.label]: { mustBePresent: false, mustBeAbsent: true, mustHaveOneOfValues: null } };
      return {};
    case 'and': {
      const result: LabelRestrictions = {};
      for (const operand of node.operands) {
        for (const [label, r] of Object.entries(labelRestrictions(operand))) {
          const base = result[label] ?? { mustBePresent: false, mustBeAbsent: false, mustHaveOneOfValues: null };
          let values = base.mustHaveOneOfValues;
          if (values === null) values = r.mustHaveOneOfValues;
          else if (r.mustHaveOneOfValues !== null) {
            const other = new Set(r.mustHaveOneOfValues);
            values = values.filter((v) => other.has(v));
          }
          result[label] = { mustBePresent: base.mustBePresent || r.mustBePresent, mustBeAbsent: base.mustBeAbsent || r.mustBeAbsent, mustHaveOneOfValues: values };
        }
      }
      return result;
    }
    case 'or': {
      const result = labelRestrictions(node.operands[0]!);
      for (const operand of node.operands.slice(1)) {
        const other = labelRestrictions(operand);
        for (const [label, r] of Object.entries(result)) {
          const o = other[label];
          const mustBePresent = r.mustBePresent && (o?.mustBePresent ?? false);
          let values: string[] | null = null;
          if (mustBePresent && r.mustHaveOneOfValues !== null && o !== undefined && o.mustHaveOneOfValues !== null) {
            const seen = new Set(r.mustHaveOneOfValues);
            values = [...r.mustHaveOneOfValues, ...o.mustHaveOneOfValues.filter((v) => !seen.has(v))];
          }
          const mustBeAbsent = r.mustBeAbsent && (o?.mustBeAbsent ?? false);
          if (mustBePresent || mustBeAbsent) result[label] = { mustBePresent, mustBeAbsent, mustHaveOneOfValues: values };
          else delete result[label];
        }
      }
      return result;
    }
    case 'all':
    case 'global':
    case 'ne':
    case 'notIn':
      return {};
  }
}

/** Value lists sorted by code point, for comparisons that should not depend on merge order. */
export function sortedRestrictions(restrictions: LabelRestrictions): LabelRestrictions {
  return Object.fromEntries(Object.entries(restrictions).map(([k, r]) => [k, { ...r, mustHaveOneOfValues: r.mustHaveOneOfValues && [...r.mustHaveOneOfValues].sort(compareCodePoints) }]));
}
