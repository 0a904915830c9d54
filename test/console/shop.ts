// A small shop for the console's browser tests: three pods in one namespace, a security tier and
// three policies, written through the gateway as an admin would.
import type { createTRPCClient } from '@trpc/client';
import type { AppRouter } from '@palisade/api';

const pod = (name: string, ip: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop, labels: {app: ${name}}}
spec: {nodeName: node-1, containers: [{name: app}]}
status: {podIP: ${ip}}
`;

export async function seedShop(admin: ReturnType<typeof createTRPCClient<AppRouter>>): Promise<void> {
  await admin.resources.put.mutate({
    documents: [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: shop}}\n',
      pod('frontend', '10.1.0.1'),
      pod('api', '10.1.0.2'),
      pod('db', '10.1.0.3'),
      'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}\n',
    ].join('---\n'),
    reason: 'the shop',
  });
  await admin.resources.put.mutate({
    documents: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.base}
spec:
  tier: security
  order: 10
  selector: all()
  ingress: [{action: Pass}]
  egress: [{action: Pass}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-allow, namespace: shop}
spec:
  order: 100
  selector: app == 'api'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'frontend'}, destination: {ports: [8080]}}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: allow-db-from-api}
spec:
  order: 200
  selector: app == 'db'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'api'}, destination: {ports: [5432]}}
`,
    reason: 'baseline policy',
  });
}

/** Line 6, column 3 holds the selector with the typo ("===") the editor must point at. */
export const TYPO_POLICY = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-frontend-to-db
spec:
  selector: app === 'db'
  order: 50
  ingress:
    - action: Deny
      protocol: TCP
      source:
        selector: app == 'frontend'
`;

export const FIXED_POLICY = TYPO_POLICY.replace("app === 'db'", "app == 'db'");
