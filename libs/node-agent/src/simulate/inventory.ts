import type { Resource } from '@palisade/engine';

/** The shop every simulated cluster runs: which app each endpoint is, in turn. */
export const SIMULATED_APPS = ['frontend', 'api', 'orders', 'payments', 'db', 'cache'] as const;

/**
 * Which shop a simulated node runs. `shop`: every app in namespace `shop`, labelled `app`.
 * `demo`: the microservice shop of `palisade up`'s demo across namespaces (web, production,
 * kube-system), labelled as the Calico policy guide's examples are (color, role, shape).
 */
export type InventoryProfile = 'shop' | 'demo';

interface Workload {
  namespace: string;
  app: string;
  labels: Record<string, string>;
}

const SHOP: readonly Workload[] = SIMULATED_APPS.map((app) => ({ namespace: 'shop', app, labels: { app } }));
const SHOP_NAMESPACES: Record<string, Record<string, string>> = { shop: { tier: 'apps' } };

/** The demo's workloads, one pod of each in turn on every node. */
export const DEMO_WORKLOADS: readonly Workload[] = [
  { namespace: 'web', app: 'frontend', labels: { app: 'frontend', role: 'frontend', color: 'blue' } },
  { namespace: 'production', app: 'api', labels: { app: 'api', color: 'blue' } },
  { namespace: 'production', app: 'orders', labels: { app: 'orders', color: 'blue' } },
  { namespace: 'production', app: 'payments', labels: { app: 'payments' } },
  { namespace: 'production', app: 'db', labels: { app: 'db', role: 'database' } },
  { namespace: 'production', app: 'cache', labels: { app: 'cache', color: 'red' } },
  { namespace: 'kube-system', app: 'dns', labels: { 'k8s-app': 'kube-dns' } },
];
const DEMO_NAMESPACES: Record<string, Record<string, string>> = { web: { shape: 'circle' }, production: { shape: 'square' }, 'kube-system': {} };

/**
 * A simulated node's endpoints: `count` pods of the profile's workloads in turn, each with an
 * address unique in its cluster (10.<100 + node / 250>.<node % 250>.<pod + 1>, at most 250 pods a node).
 */
export function simulatedInventory(cluster: string, nodeIndex: number, node: string, count: number, profile: InventoryProfile = 'shop'): Resource[] {
  if (count > 250) throw new RangeError('at most 250 endpoints per simulated node');
  const [workloads, namespaces] = profile === 'demo' ? [DEMO_WORKLOADS, DEMO_NAMESPACES] : [SHOP, SHOP_NAMESPACES];
  const namespaceResources = Object.entries(namespaces).map(([name, labels]) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }));
  const pods = Array.from({ length: count }, (_, i) => {
    const workload = workloads[(nodeIndex * count + i) % workloads.length]!;
    const pod = `${workload.app}-${nodeIndex}-${i}`;
    return {
      apiVersion: 'projectcalico.org/v3',
      kind: 'WorkloadEndpoint',
      metadata: { name: `${node.replace(/-/g, '--')}-k8s-${pod}-eth0`, namespace: workload.namespace, labels: { ...workload.labels, cluster } },
      spec: {
        orchestrator: 'k8s',
        node,
        pod,
        endpoint: 'eth0',
        interfaceName: `cali${(nodeIndex * 1000 + i).toString(16).padStart(11, '0')}`,
        ipNetworks: [`10.${100 + Math.floor(nodeIndex / 250)}.${nodeIndex % 250}.${i + 1}/32`],
        profiles: [`kns.${workload.namespace}`],
      },
    };
  });
  return [...namespaceResources, ...pods] as unknown as Resource[];
}
