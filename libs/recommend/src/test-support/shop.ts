import type { FlowRecord } from '@palisade/contracts';

// A generated microservice shop with known intended connectivity, for recommendation tests:
// replicas carry the controller labels that change with every rollout; flows are recorded for
// every intended edge, pod to pod, by both ends.

export interface Pod {
  namespace: string;
  name: string;
  workload: string;
  ip: string;
  labels: Record<string, string>;
}

export interface Edge {
  from: string;
  to: string;
  protocol: 'TCP' | 'UDP';
  port: number;
}

const WORKLOADS: { namespace: string; workload: string; replicas: number; extra?: Record<string, string> }[] = [
  { namespace: 'shop', workload: 'frontend', replicas: 3 },
  { namespace: 'shop', workload: 'api', replicas: 2 },
  { namespace: 'shop', workload: 'orders', replicas: 2 },
  { namespace: 'shop', workload: 'payments', replicas: 1 },
  { namespace: 'shop', workload: 'db', replicas: 1 },
  { namespace: 'shop', workload: 'cache', replicas: 1 },
  { namespace: 'shop', workload: 'audit-log', replicas: 1 },
  { namespace: 'kube-system', workload: 'kube-dns', replicas: 2 },
];

/** What the shop is meant to do; audit-log talks to no one, and no one to it. */
export const INTENDED: Edge[] = [
  { from: 'frontend', to: 'api', protocol: 'TCP', port: 8080 },
  { from: 'api', to: 'orders', protocol: 'TCP', port: 8081 },
  { from: 'api', to: 'cache', protocol: 'TCP', port: 6379 },
  { from: 'orders', to: 'payments', protocol: 'TCP', port: 8443 },
  { from: 'orders', to: 'db', protocol: 'TCP', port: 5432 },
  { from: 'payments', to: 'db', protocol: 'TCP', port: 5432 },
  ...['frontend', 'api', 'orders', 'payments'].map((from) => ({ from, to: 'kube-dns', protocol: 'UDP' as const, port: 53 })),
];

/** An address outside the cluster that reaches the frontend. */
export const CLIENT = '203.0.113.7';

export function shopPods(): Pod[] {
  const pods: Pod[] = [];
  let n = 1;
  for (const w of WORKLOADS) {
    const hash = `${w.workload.length}f${w.replicas}c9d`;
    for (let i = 0; i < w.replicas; i++) {
      const name = w.workload === 'db' ? `db-${i}` : `${w.workload}-${hash}-${i}`;
      const labels: Record<string, string> =
        w.workload === 'db' ? { app: 'db', 'statefulset.kubernetes.io/pod-name': name, 'controller-revision-hash': 'db-7c9' } : { app: w.workload, 'pod-template-hash': hash };
      if (w.workload === 'kube-dns') {
        delete labels['app'];
        labels['k8s-app'] = 'kube-dns';
      }
      pods.push({ namespace: w.namespace, name, workload: w.workload, ip: `10.9.0.${n++}`, labels });
    }
  }
  return pods;
}

export const podsOf = (pods: Pod[], workload: string) => pods.filter((p) => p.workload === workload);

let id = 0;
function record(source: Pod | string, destination: Pod, edge: { protocol: string; port: number }, reporter: 'src' | 'dst'): FlowRecord {
  const side = (p: Pod | string) => (typeof p === 'string' ? { namespace: null, name: null, labels: {}, ip: p } : { namespace: p.namespace, name: p.name, labels: p.labels, ip: p.ip });
  return {
    id: (id++).toString(16).padStart(32, '0'),
    cluster: 'prod-eu',
    node: 'node-1',
    reporter,
    startTime: '2026-12-01T10:00:00.000Z',
    endTime: '2026-12-01T10:00:10.000Z',
    source: side(source),
    destination: side(destination),
    protocol: edge.protocol,
    port: edge.port,
    action: 'Allow',
    policy: '__PROFILE__/kns.shop/0',
    packets: 10,
    bytes: 1200,
    connectionsStarted: 1,
    connectionsCompleted: 1,
  };
}

/** Every intended edge seen between every pair of replicas, by both ends; and the client reaching the frontend. */
export function shopFlows(pods: Pod[]): FlowRecord[] {
  const flows: FlowRecord[] = [];
  for (const edge of INTENDED)
    for (const from of podsOf(pods, edge.from))
      for (const to of podsOf(pods, edge.to)) {
        flows.push(record(from, to, edge, 'src'));
        flows.push(record(from, to, edge, 'dst'));
      }
  for (const to of podsOf(pods, 'frontend')) flows.push(record(CLIENT, to, { protocol: 'TCP', port: 443 }, 'dst'));
  return flows;
}

/** The pods as Kubernetes resources, with their namespaces. */
export function shopDocuments(pods: Pod[]): string[] {
  const namespaces = [...new Set(pods.map((p) => p.namespace))].map((ns) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
  return [
    ...namespaces,
    ...pods.map(
      (p) =>
        `apiVersion: v1\nkind: Pod\nmetadata: {name: ${p.name}, namespace: ${p.namespace}, labels: ${JSON.stringify(p.labels)}}\nspec: {nodeName: node-1, containers: [{name: c}]}\nstatus: {podIP: ${p.ip}}\n`,
    ),
  ];
}
