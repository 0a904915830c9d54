// A synthetic cluster for the compile and evaluation benchmarks, the same on every run: 500 nodes,
// 100 namespaces of 500 pods (50,000 endpoints), 9,000 namespaced policies (90 per namespace) and
// 1,000 global policies in a "platform" tier that all select the backend pods, so a flow to a
// backend pod meets 1,000 applicable policies before the namespace's own.
// eslint-disable-next-line @nx/enforce-module-boundaries -- benchmarks measure the built package, as the agents and the gateway run it
import type { Resource } from '@palisade/engine';
import { mulberry32 } from './support.js';

export const SIZE = { nodes: 500, namespaces: 100, podsPerNamespace: 500, namespacedPolicies: 9_000, globalPolicies: 1_000 };
const APPS = 50;
const TIERS = ['frontend', 'backend', 'data'];
const TEAMS = 10;

export const nodeName = (i: number) => `node-${String(i).padStart(3, '0')}`;
export const namespaceName = (i: number) => `ns-${String(i).padStart(2, '0')}`;
export const podName = (j: number) => `pod-${String(j).padStart(3, '0')}`;
export const podIndex = (ns: number, j: number) => ns * SIZE.podsPerNamespace + j;
export const podIp = (index: number) => `10.${64 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
/** Each node gets one pod of every namespace, with a different mix of labels on every node. */
export const podNode = (ns: number, j: number) => nodeName((ns * 7 + j) % SIZE.nodes);

export function podLabels(ns: number, j: number, variant = 0): Record<string, string> {
  return { app: `app-${(j + variant) % APPS}`, tier: TIERS[j % 3]!, version: `v${(j + variant) % 3}`, zone: `zone-${j % 4}` };
}

export function pod(ns: number, j: number, variant = 0): Resource {
  const index = podIndex(ns, j);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName(j), namespace: namespaceName(ns), labels: podLabels(ns, j, variant) },
    spec: {
      nodeName: podNode(ns, j),
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
    status: { podIP: podIp(index) },
  } as Resource;
}

export function namespace(ns: number, variant = 0): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespaceName(ns), labels: { team: `team-${(ns + variant) % TEAMS}`, env: ['prod', 'staging', 'dev'][(ns + variant) % 3]! } },
  } as Resource;
}

/** The namespaced policies: allow from neighbouring apps, by number or named port, egress to the data tier, a deny of a blocked range. */
export function namespacedPolicy(ns: number, k: number, variant = 0): Resource {
  const app = (k + variant) % APPS;
  const kind = k % 6;
  const ingress =
    kind === 0
      ? [{ action: 'Allow', protocol: 'TCP', source: { selector: `app == 'app-${(app + 1) % APPS}'` }, destination: { ports: [8080] } }]
      : kind === 1
        ? [{ action: 'Allow', protocol: 'TCP', source: { selector: `app in {'app-${(app + 2) % APPS}', 'app-${(app + 3) % APPS}'}` }, destination: { ports: ['http'] } }]
        : kind === 2
          ? [
              { action: 'Deny', source: { nets: ['192.0.2.0/24'] } },
              { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: `team == 'team-${k % TEAMS}'` }, destination: { ports: [9090] } },
            ]
          : kind === 3
            ? [{ action: 'Allow', protocol: 'TCP', source: { selector: 'has(app)' }, destination: { ports: ['metrics'] } }]
            : [{ action: 'Allow', protocol: 'TCP', source: { selector: `tier == 'frontend' && version == 'v${k % 3}'` }, destination: { ports: [8080, '8443:8449'] } }];
  const egress =
    kind % 2 === 0
      ? [
          { action: 'Allow', protocol: 'TCP', destination: { selector: `tier == 'data'`, ports: [5432] } },
          { action: 'Allow', protocol: 'TCP', destination: { selector: `tier == 'backend'`, namespaceSelector: 'all()' } },
          { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } },
        ]
      : undefined;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: `np-${String(k).padStart(2, '0')}`, namespace: namespaceName(ns) },
    spec: {
      order: 100 + (k % 10),
      selector: `app == 'app-${app}'${k % 5 === 0 ? ` && version == 'v${k % 3}'` : ''}`,
      ingress,
      ...(egress ? { egress, types: ['Ingress', 'Egress'] } : { types: ['Ingress'] }),
    },
  } as Resource;
}

/** The platform tier's policies: each admits one app of one team to the backends on its own port. */
export function globalPolicy(i: number): Resource {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: `platform-${String(i).padStart(4, '0')}` },
    spec: {
      tier: 'platform',
      order: i,
      selector: "tier == 'backend'",
      types: ['Ingress'],
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: `app == 'app-${i % APPS}'`, namespaceSelector: `team == 'team-${i % TEAMS}'` }, destination: { ports: [10_000 + i] } }],
    },
  } as Resource;
}

export function syntheticCluster(): Resource[] {
  const resources: Resource[] = [{ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 100, defaultAction: 'Pass' } } as Resource];
  for (let i = 0; i < SIZE.nodes; i++) {
    resources.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName(i), labels: { zone: `zone-${i % 4}` } },
      status: { addresses: [{ type: 'InternalIP', address: `172.16.${i >> 8}.${i & 255}` }] },
    } as Resource);
  }
  for (let ns = 0; ns < SIZE.namespaces; ns++) {
    resources.push(namespace(ns));
    for (let j = 0; j < SIZE.podsPerNamespace; j++) resources.push(pod(ns, j));
    for (let k = 0; k < SIZE.namespacedPolicies / SIZE.namespaces; k++) resources.push(namespacedPolicy(ns, k));
  }
  for (let i = 0; i < SIZE.globalPolicies; i++) resources.push(globalPolicy(i));
  return resources;
}

export { mulberry32 };
