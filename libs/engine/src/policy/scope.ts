import { LABEL_NAMESPACE, LABEL_SERVICE_ACCOUNT, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL_PREFIX } from '../labels/special.js';
import type { EntityRule } from '../model/rule.js';
import type { SelectorNode } from '../selector/ast.js';
import { parseSelectorAst } from '../selector/parse.js';
import { andNodes, prefixLabels, replaceAll } from '../selector/rewrite.js';
import { selectorFromAst, type Selector } from '../selector/selector.js';
import { compareCodePoints } from '../util/codepoint-compare.js';

const HAS_NAMESPACE: SelectorNode = { op: 'has', label: LABEL_NAMESPACE };
const HAS_SERVICE_ACCOUNT: SelectorNode = { op: 'has', label: LABEL_SERVICE_ACCOUNT };
const inNamespace = (namespace: string): SelectorNode => ({ op: 'eq', label: LABEL_NAMESPACE, value: namespace });

function replaceGlobal(node: SelectorNode, replacement: SelectorNode): SelectorNode {
  switch (node.op) {
    case 'global':
      return replacement;
    case 'not':
      return { op: 'not', operand: replaceGlobal(node.operand, replacement) };
    case 'and':
    case 'or':
      return { op: node.op, operands: node.operands.map((o) => replaceGlobal(o, replacement)) };
    default:
      return node;
  }
}

/**
 * A namespaceSelector as endpoints are matched with it: namespace labels are pcns.-prefixed,
 * all() means "any namespaced object" and global() "any object without a namespace" (host
 * endpoints, global network sets).
 */
export function namespaceSelectorNode(text: string): SelectorNode {
  const prefixed = prefixLabels(parseSelectorAst(text), NAMESPACE_LABEL_PREFIX);
  return replaceGlobal(replaceAll(prefixed, HAS_NAMESPACE), { op: 'not', operand: HAS_NAMESPACE });
}

/** A serviceAccountSelector as endpoints are matched with it: pcsa.-prefixed, all() = has a service account. */
export function serviceAccountSelectorNode(text: string): SelectorNode {
  return replaceAll(prefixLabels(parseSelectorAst(text), SERVICE_ACCOUNT_LABEL_PREFIX), HAS_SERVICE_ACCOUNT);
}

export interface PolicyScope {
  selector?: string | undefined;
  namespaceSelector?: string | undefined;
  serviceAccountSelector?: string | undefined;
}

/**
 * Which endpoints a policy applies to. A namespaced policy only ever selects endpoints of its
 * own namespace; a global one is narrowed by its namespaceSelector; both by the service-account
 * selector. The inputs must already be valid selectors.
 */
export function policyEndpointSelector(scope: PolicyScope, namespace?: string): Selector {
  const parts: SelectorNode[] = [parseSelectorAst(scope.selector ?? '')];
  if (namespace !== undefined) parts.push(inNamespace(namespace));
  else if (scope.namespaceSelector) parts.push(namespaceSelectorNode(scope.namespaceSelector));
  if (scope.serviceAccountSelector) parts.push(serviceAccountSelectorNode(scope.serviceAccountSelector));
  return selectorFromAst(andNodes(...parts));
}

export interface EntitySelectors {
  /** Endpoints and network sets the entity must match; undefined when the rule names none (any address). */
  positive?: Selector;
  /** Endpoints and network sets the entity must not match. */
  negative?: Selector;
}

/**
 * The selectors of a rule's source or destination, as Calico builds them: selector AND the
 * service-account match AND the namespace selector; in a namespaced policy, a rule that selects
 * anything without a namespaceSelector is confined to the policy's namespace. notSelector is
 * kept apart: it negates the match of a packet, not the set of objects.
 */
export function entitySelectors(entity: EntityRule, policyNamespace?: string): EntitySelectors {
  const parts: SelectorNode[] = [];
  let any = false;
  if (entity.selector !== undefined) {
    parts.push(parseSelectorAst(entity.selector));
    any = true;
  }
  if (entity.serviceAccounts) {
    any = true;
    const names = entity.serviceAccounts.names ?? [];
    if (names.length) parts.push({ op: 'in', label: LABEL_SERVICE_ACCOUNT, values: [...new Set(names)].sort(compareCodePoints) });
    if (entity.serviceAccounts.selector !== undefined) parts.push(serviceAccountSelectorNode(entity.serviceAccounts.selector));
  }
  if (entity.namespaceSelector !== undefined) {
    parts.push(namespaceSelectorNode(entity.namespaceSelector));
    any = true;
  } else if (policyNamespace !== undefined && (any || entity.notSelector !== undefined)) {
    parts.push(inNamespace(policyNamespace));
    any = true;
  }
  return {
    ...(any ? { positive: selectorFromAst(andNodes(...parts)) } : {}),
    ...(entity.notSelector !== undefined ? { negative: selectorFromAst(parseSelectorAst(entity.notSelector)) } : {}),
  };
}
