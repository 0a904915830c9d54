// A Kubernetes cluster of plain NetworkPolicies for the all-pairs benchmark, the same on every run:
// namespaces of 20 pods (deployments of 2 to 5 replicas, frontend, backend and data tiers with
// named ports), and four policies per namespace of the shapes real clusters have: default deny,
// app to app on a number or a named port, namespace selectors by team, DNS and database egress,
// and ipBlocks with exceptions.
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmarks measure the built package, as the agents and the gateway run it
import type { Resource } from '@palisade/engine';
import { mulberry32 } from './support.js';

const TIERS = ['frontend', 'backend', 'data'] as const;
const TEAMS = 10;
const PODS_PER_NAMESPACE = 20;
const PORTS: Record<(typeof TIERS)[number], { name: string; containerPort: number }[]> = {
  frontend: [
    { name: 'http', containerPort: 8080 },
    { name: 'metrics', containerPort: 9090 },
  ],
  backend: [
    { name: 'grpc', containerPort: 9000 },
    { name: 'metrics', containerPort: 9090 },
  ],
  data: [{ name: 'db', containerPort: 5432 }],
};

interface App {
  name: string;
  tier: (typeof TIERS)[number];
}

const nsName = (i: number) => `ns-${String(i).padStart(4, '0')}`;
const podIp = (index: number) => `10.${64 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

function policy(namespace: string, name: string, spec: Record<string, unknown>): Resource {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec } as Resource;
}

/** The namespace's k-th policy (k counts on across the namespace's four). */
function namespacePolicy(random: () => number, ns: number, k: number, apps: App[], namespaces: number): Resource {
  const namespace = nsName(ns);
  const pick = () => apps[Math.floor(random() * apps.length)]!;
  const team = Math.floor(random() * TEAMS);
  const other = nsName(Math.floor(random() * namespaces));
  switch (k % 8) {
    case 0:
      return policy(namespace, 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    case 1: {
      const to = pick();
      const from = pick();
      return policy(namespace, `allow-${from.name}-to-${to.name}`, {
        podSelector: { matchLabels: { app: to.name } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: from.name } } }], ports: [{ protocol: 'TCP', port: PORTS[to.tier][0]!.name }] }],
        policyTypes: ['Ingress'],
      });
    }
    case 2: {
      const to = pick();
      return policy(namespace, `allow-team-${team}-to-${to.name}`, {
        podSelector: { matchLabels: { app: to.name } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${team}` } } }], ports: [{ protocol: 'TCP', port: PORTS[to.tier][0]!.containerPort }] }],
        policyTypes: ['Ingress'],
      });
    }
    case 3:
      return policy(namespace, 'egress-dns-and-data', {
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] },
        egress: [
          { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }] },
          { to: [{ podSelector: { matchLabels: { tier: 'data' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
          { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': other } }, podSelector: { matchLabels: { tier: 'backend' } } }] },
        ],
        policyTypes: ['Egress'],
      });
    case 4: {
      const to = pick();
      return policy(namespace, `allow-internal-to-${to.name}`, {
        podSelector: { matchLabels: { app: to.name } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: [`10.${64 + (ns % 4)}.0.0/16`] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }] }],
        policyTypes: ['Ingress'],
      });
    }
    case 5:
      return policy(namespace, 'allow-monitoring', {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${team}` } }, podSelector: { matchLabels: { role: 'monitoring' } } }], ports: [{ port: 'metrics' }] }],
        policyTypes: ['Ingress'],
      });
    case 6: {
      const to = pick();
      return policy(namespace, `allow-from-${other}-to-${to.name}`, {
        podSelector: { matchLabels: { app: to.name } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': other } } }] }],
        policyTypes: ['Ingress'],
      });
    }
    default: {
      const from = pick();
      return policy(namespace, `restrict-${from.name}-egress`, {
        podSelector: { matchLabels: { app: from.name } },
        egress: [{ to: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['data'] }] } }] }],
        policyTypes: ['Egress'],
      });
    }
  }
}

/** `pods` pods (a multiple of 20) in pods / 20 namespaces, with `policies` policies spread evenly over them. */
export function k8sCluster(pods: number, policies: number, seed = 11): Resource[] {
  const random = mulberry32(seed);
  const namespaces = Math.ceil(pods / PODS_PER_NAMESPACE);
  const perNamespace = Math.ceil(policies / namespaces);
  const resources: Resource[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } } as Resource];
  let podIndex = 0;
  let made = 0;
  for (let ns = 0; ns < namespaces; ns++) {
    const namespace = nsName(ns);
    resources.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace, team: `team-${ns % TEAMS}` } } } as Resource);
    const apps: App[] = [];
    for (let placed = 0; placed < PODS_PER_NAMESPACE && podIndex < pods;) {
      const app: App = { name: `app-${apps.length}`, tier: TIERS[apps.length % 3]! };
      apps.push(app);
      const replicas = Math.min(2 + Math.floor(random() * 4), PODS_PER_NAMESPACE - placed);
      for (let r = 0; r < replicas; r++, placed++, podIndex++) {
        resources.push({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `${app.name}-${r}`, namespace, labels: { app: app.name, tier: app.tier, ...(placed % 10 === 0 ? { role: 'monitoring' } : {}) } },
          spec: { nodeName: `node-${podIndex % 50}`, containers: [{ name: 'main', ports: PORTS[app.tier] }] },
          status: { podIP: podIp(podIndex) },
        } as Resource);
      }
    }
    for (let k = 0; k < perNamespace && made < policies; k++, made++) resources.push(namespacePolicy(random, ns, (ns + k) % 8, apps, namespaces));
  }
  return resources;
}
