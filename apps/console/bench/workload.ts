// Generated policy sets for the console benchmark: deterministic, so runs compare.

const NAMESPACES = 20;

/** Policies from..to (exclusive): 30% global, 70% namespaced over 20 namespaces, in three tiers. */
export function boardPolicies(from: number, to: number): string[] {
  const docs: string[] = [];
  if (from === 0) {
    docs.push('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}\n');
    docs.push('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: platform}\nspec: {order: 200}\n');
  }
  for (let i = from; i < to; i++) {
    const name = `bench-${String(i).padStart(5, '0')}`;
    const tier = i % 10 === 0 ? 'security' : i % 10 === 1 ? 'platform' : 'default';
    const fullName = tier === 'default' ? name : `${tier}.${name}`;
    const order = i % 7 === 0 ? '' : `  order: ${(i * 37) % 1000}\n`;
    const rules = `  ingress:\n    - action: Allow\n      protocol: TCP\n      source: {selector: app == 'client-${i % 50}'}\n      destination: {ports: [${8000 + (i % 100)}]}\n`;
    if (i % 10 < 3)
      docs.push(`apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${fullName}}\nspec:\n  tier: ${tier}\n${order}  selector: app == 'svc-${i % 200}'\n${rules}`);
    else
      docs.push(
        `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: ${fullName}, namespace: ns-${i % NAMESPACES}}\nspec:\n  tier: ${tier}\n${order}  selector: app == 'svc-${i % 200}'\n${rules}`,
      );
  }
  return docs;
}

/** A global policy of about `lines` lines (its selector on line 7), as one in the editor. */
export function editorPolicy(lines: number): string {
  const head = `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: bench-editor\nspec:\n  order: 10\n  selector: app == 'bench'\n  ingress:\n`;
  const rules: string[] = [];
  for (let i = 0; head.split('\n').length - 1 + rules.length * 8 < lines; i++)
    rules.push(
      `    - action: Allow\n      protocol: TCP\n      source:\n        selector: app == 'client-${i}'\n      destination:\n        ports:\n          - ${8000 + i}\n          - ${9000 + i}\n`,
    );
  return head + rules.join('');
}
