import { SelectorParseError } from '../errors.js';
import { containsGlobal, parseSelectorAst, type SelectorNode } from '../selector/index.js';
import type { Path } from '../schema/schema.js';
import type { Issues } from './issues.js';

export const GLOBAL_ONLY_IN_NAMESPACE_SELECTOR = 'global() can only be used in an EntityRule namespaceSelector';

/** Parses a selector field; records a located problem and returns undefined when it does not parse. */
export function checkSelector(issues: Issues, path: Path, text: string | undefined, options: { allowGlobal?: 'never' | 'alone' | 'any' } = {}): SelectorNode | undefined {
  if (text === undefined) return undefined;
  let ast: SelectorNode;
  try {
    ast = parseSelectorAst(text);
  } catch (error) {
    if (error instanceof SelectorParseError) {
      issues.add(path, `is not a valid selector: ${error.reason} at position ${error.position} in ${JSON.stringify(text)}`);
      return undefined;
    }
    throw error;
  }
  if (options.allowGlobal !== 'any' && containsGlobal(ast)) {
    if (options.allowGlobal === 'alone') {
      if (ast.op !== 'global') issues.add(path, 'global() cannot be combined with other selectors: write namespaceSelector: global() on its own');
    } else {
      issues.add(path, GLOBAL_ONLY_IN_NAMESPACE_SELECTOR);
    }
  }
  return ast;
}
