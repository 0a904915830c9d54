// The gateway benchmark's workload, the same on every run: what is seeded (namespaces, pods with
// labels and 10.99.x.x addresses, Calico and Kubernetes network policies in namespace "bench") and
// the requests each operation sends. Shared by the runner (seeding) and the load process.

/** Resources as the API takes them: plain objects the engine decodes and validates. */
export type ResourceObject = Record<string, unknown>;

/** Namespaces and how many pods each holds: 200 pods, half of them in "bench". */
export const NAMESPACES: readonly { name: string; pods: number; team: string; env: string }[] = [
  { name: 'bench', pods: 100, team: 'team-bench', env: 'prod' },
  { name: 'shop', pods: 25, team: 'team-shop', env: 'prod' },
  { name: 'pay', pods: 25, team: 'team-pay', env: 'prod' },
  { name: 'data', pods: 25, team: 'team-data', env: 'prod' },
  { name: 'ops', pods: 25, team: 'team-ops', env: 'staging' },
];
/** Calico NetworkPolicies and Kubernetes NetworkPolicies in "bench" (200 policies in all). */
export const CALICO_POLICIES = 100;
export const K8S_POLICIES = 100;
/** The policies the apply operation rewrites: the first half of each kind, spread over the workers. */
export const APPLY_TARGETS = 100;
/** Probes per request in the batched simulate operation. */
export const BATCH_PROBES = 100;

const APPS = 20;
const TIERS = ['frontend', 'backend', 'data'] as const;
const PORTS = [80, 443, 5432, 8080, 9090] as const;
const pad = (n: number, w = 3) => String(n).padStart(w, '0');

export interface SeededPod {
  namespace: string;
  name: string;
  ip: string;
}

export const pods: SeededPod[] = NAMESPACES.flatMap((ns, n) =>
  Array.from({ length: ns.pods }, (_, j) => {
    const index = NAMESPACES.slice(0, n).reduce((sum, x) => sum + x.pods, 0) + j;
    return { namespace: ns.name, name: `pod-${pad(j)}`, ip: `10.99.${Math.floor(index / 250)}.${(index % 250) + 1}` };
  }),
);

function podLabels(j: number): Record<string, string> {
  return { app: `app-${j % APPS}`, tier: TIERS[j % 3]!, version: `v${j % 3}`, zone: `zone-${j % 4}` };
}

export function namespaceResources(): ResourceObject[] {
  return NAMESPACES.map((ns) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: { team: ns.team, env: ns.env } } }));
}

export function podResources(): ResourceObject[] {
  return pods.map((p) => {
    const j = Number(p.name.slice('pod-'.length));
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: podLabels(j) },
      spec: {
        nodeName: `node-${pad(j % 10, 2)}`,
        containers: [
          {
            name: 'app',
            ports: [
              { name: 'http', containerPort: 8080 },
              { name: 'metrics', containerPort: 9090 },
            ],
          },
        ],
      },
      status: { podIP: p.ip },
    };
  });
}

export const calicoName = (k: number) => `np-${pad(k)}`;
export const k8sName = (k: number) => `knp-${pad(k)}`;

/** A Calico NetworkPolicy; `revision` changes a label and a port, so every apply is a real change. */
export function calicoPolicy(k: number, revision = 0): ResourceObject {
  const app = k % APPS;
  const kind = k % 4;
  const ingress =
    kind === 0
      ? [{ action: 'Allow', protocol: 'TCP', source: { selector: `app == 'app-${(app + 1) % APPS}'` }, destination: { ports: [8080, 8000 + (revision % 1000)] } }]
      : kind === 1
        ? [{ action: 'Allow', protocol: 'TCP', source: { selector: `tier == 'frontend' && version == 'v${k % 3}'` }, destination: { ports: ['http', 9000 + (revision % 1000)] } }]
        : kind === 2
          ? [
              { action: 'Deny', source: { nets: ['192.0.2.0/24'] } },
              { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: `team == 'team-shop'` }, destination: { ports: [443, 7000 + (revision % 1000)] } },
            ]
          : [{ action: 'Allow', protocol: 'TCP', source: { selector: 'has(app)' }, destination: { ports: ['metrics', 6000 + (revision % 1000)] } }];
  const egress =
    kind % 2 === 0
      ? [
          { action: 'Allow', protocol: 'TCP', destination: { selector: `tier == 'data'`, ports: [5432] } },
          { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } },
        ]
      : undefined;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: calicoName(k), namespace: 'bench', labels: { owner: `team-${k % 5}`, revision: String(revision) } },
    spec: { order: 100 + (k % 10), selector: `app == 'app-${app}'`, ingress, ...(egress ? { egress, types: ['Ingress', 'Egress'] } : { types: ['Ingress'] }) },
  };
}

/** A Kubernetes NetworkPolicy; `revision` changes a label and a port. */
export function k8sPolicy(k: number, revision = 0): ResourceObject {
  const app = k % APPS;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: k8sName(k), namespace: 'bench', labels: { owner: `team-${k % 5}`, revision: String(revision) } },
    spec: {
      podSelector: { matchLabels: { app: `app-${app}` } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { tier: TIERS[k % 3]! } } }, { namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchLabels: { app: `app-${(app + 1) % APPS}` } } }],
          ports: [
            { protocol: 'TCP', port: 8080 },
            { protocol: 'TCP', port: 10000 + (revision % 1000) },
          ],
        },
      ],
    },
  };
}

export function policyResources(): ResourceObject[] {
  return [...Array.from({ length: CALICO_POLICIES }, (_, k) => calicoPolicy(k)), ...Array.from({ length: K8S_POLICIES }, (_, k) => k8sPolicy(k))];
}

/** Target t of the apply operation: even targets are Calico policies, odd ones Kubernetes policies. */
export function applyTarget(t: number, revision: number): ResourceObject {
  const k = Math.floor(t / 2);
  return t % 2 === 0 ? calicoPolicy(k, revision) : k8sPolicy(k, revision);
}

/** Every seeded resource's key, as resources.get takes it. */
export function seededKeys(): string[] {
  return [
    ...NAMESPACES.map((ns) => `Namespace/${ns.name}`),
    ...pods.map((p) => `Pod/${p.namespace}/${p.name}`),
    ...Array.from({ length: CALICO_POLICIES }, (_, k) => `NetworkPolicy/bench/${calicoName(k)}`),
    ...Array.from({ length: K8S_POLICIES }, (_, k) => `KubernetesNetworkPolicy/bench/${k8sName(k)}`),
  ];
}

/** A flow between two seeded pods, as policy.simulate takes it. */
export function probe(random: () => number): { from: string; to: string; protocol: 'TCP'; port: number } {
  const from = pods[Math.floor(random() * pods.length)]!;
  const to = pods[Math.floor(random() * pods.length)]!;
  return { from: `${from.namespace}/${from.name}`, to: `${to.namespace}/${to.name}`, protocol: 'TCP', port: PORTS[Math.floor(random() * PORTS.length)]! };
}

/** A small seeded generator, so every run draws the same keys and probes. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
