import type { Resource } from '@palisade/engine';

/** The shop every simulated cluster runs: which app each endpoint is, in turn. */
export const SIMULATED_APPS = ['frontend', 'api', 'orders', 'payments', 'db', 'cache'] as const;

/**
 * A simulated node's endpoints: `count` pods of the shop's apps in namespace `shop`, each with
 * an address unique in its cluster (10.<node / 250>.<node % 250>.<pod + 1>, at most 250 pods a node).
 */
export function simulatedInventory(cluster: string, nodeIndex: number, node: string, count: number): Resource[] {
  if (count > 250) throw new RangeError('at most 250 endpoints per simulated node');
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { tier: 'apps' } } };
  const pods = Array.from({ length: count }, (_, i) => {
    const app = SIMULATED_APPS[(nodeIndex * count + i) % SIMULATED_APPS.length]!;
    const pod = `${app}-${nodeIndex}-${i}`;
    return {
      apiVersion: 'projectcalico.org/v3',
      kind: 'WorkloadEndpoint',
      metadata: { name: `${node.replace(/-/g, '--')}-k8s-${pod}-eth0`, namespace: 'shop', labels: { app, cluster } },
      spec: {
        orchestrator: 'k8s',
        node,
        pod,
        endpoint: 'eth0',
        interfaceName: `cali${(nodeIndex * 1000 + i).toString(16).padStart(11, '0')}`,
        ipNetworks: [`10.${100 + Math.floor(nodeIndex / 250)}.${nodeIndex % 250}.${i + 1}/32`],
        profiles: ['kns.shop'],
      },
    };
  });
  return [namespace, ...pods] as unknown as Resource[];
}
