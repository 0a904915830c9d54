export { parseSelector, selectorFromAst, type Selector } from './selector.js';
export { parseSelectorAst, MAX_NESTING } from './parse.js';
export { tokenize, isValidSelectorLabel, MAX_LABEL_LENGTH, type Token, type TokenKind } from './tokenize.js';
export { printSelector } from './print.js';
export { compileSelector, labelSet, type Labels, type Matcher } from './compile.js';
export { labelRestrictions, sortedRestrictions, type LabelRestriction, type LabelRestrictions } from './restrictions.js';
export { prefixLabels, mapLabels, replaceAll, containsGlobal, andNodes } from './rewrite.js';
export type { SelectorNode } from './ast.js';
