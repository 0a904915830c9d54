/** Starting points for a new policy: the common ones and the seed's examples. */
export interface Template {
  id: string;
  label: string;
  yaml: string;
}

export const TEMPLATES: Template[] = [
  {
    id: 'blank-global',
    label: 'Global network policy (blank)',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: my-policy
spec:
  order: 100
  selector: all()
  types:
    - Ingress
  ingress:
    - action: Allow
`,
  },
  {
    id: 'default-deny-namespace',
    label: 'Default deny for a namespace',
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: my-namespace
spec:
  selector: all()
  types:
    - Ingress
    - Egress
`,
  },
  {
    id: 'allow-dns',
    label: 'Allow DNS to kube-dns',
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-dns
spec:
  order: 10
  selector: all()
  types:
    - Egress
  egress:
    - action: Allow
      protocol: UDP
      destination:
        selector: k8s-app == 'kube-dns'
        namespaceSelector: projectcalico.org/name == 'kube-system'
        ports:
          - 53
    - action: Allow
      protocol: TCP
      destination:
        selector: k8s-app == 'kube-dns'
        namespaceSelector: projectcalico.org/name == 'kube-system'
        ports:
          - 53
`,
  },
  {
    id: 'seed-allow-tcp-6379',
    label: "Seed: allow TCP 6379 to color 'red' from color 'blue' (namespace production)",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-tcp-6379
  namespace: production
spec:
  selector: color == 'red'
  ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: color == 'blue'
      destination:
        ports:
          - 6379
`,
  },
  {
    id: 'seed-deny-blue',
    label: "Seed: deny TCP to color 'red' from color 'blue' (global)",
    yaml: `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: deny-blue
spec:
  selector: color == 'red'
  ingress:
    - action: Deny
      protocol: TCP
      source:
        selector: color == 'blue'
`,
  },
  {
    id: 'seed-egress-cidr',
    label: "Seed: deny egress from color 'red' to 1.2.3.4/24",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-egress-external
  namespace: production
spec:
  selector: color == 'red'
  types:
    - Egress
  egress:
    - action: Deny
      destination:
        nets:
          - 1.2.3.4/24
`,
  },
  {
    id: 'seed-log-deny',
    label: "Seed: log and deny TCP to role 'database' from role 'frontend'",
    yaml: `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: log-and-deny-frontend
  namespace: production
spec:
  selector: role == 'database'
  types:
    - Ingress
    - Egress
  ingress:
    - action: Log
      protocol: TCP
      source:
        selector: role == 'frontend'
    - action: Deny
      protocol: TCP
      source:
        selector: role == 'frontend'
`,
  },
];
