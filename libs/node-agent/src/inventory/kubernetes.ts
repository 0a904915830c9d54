import type { Resource } from '@palisade/engine';
import { KubernetesApi, type KubernetesAccess } from './kubernetes-api.js';
import { Reflector, type KubeObject, type ReflectorLog } from './kubernetes-reflector.js';

interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}
interface Container {
  name?: string;
  ports?: ContainerPort[];
}
export interface KubePod extends KubeObject {
  metadata: KubeObject['metadata'] & { labels?: Record<string, string> };
  spec?: { nodeName?: string; hostNetwork?: boolean; serviceAccountName?: string; serviceAccount?: string; containers?: Container[]; initContainers?: Container[] };
  status?: { phase?: string; podIP?: string; podIPs?: { ip: string }[] };
}
interface Labelled extends KubeObject {
  metadata: KubeObject['metadata'] & { labels?: Record<string, string> };
}

export interface KubernetesInventoryOptions {
  access: KubernetesAccess;
  node: string;
  /** Called (at most every `debounceMs`) with this node's inventory after it changed. */
  onChange: (resources: Resource[]) => void;
  log: ReflectorLog;
  debounceMs?: number;
}

/**
 * This node's inventory from the Kubernetes API, as Felix reads it through Typha: the pods
 * scheduled here (by field selector, so the API server sends no other node's pods) and the
 * namespaces and service accounts whose labels Calico gives them. Pods on the host network,
 * finished pods and pods with no address yet have no workload endpoint and are left out.
 */
export class KubernetesInventory {
  private readonly pods: Reflector<KubePod>;
  private readonly namespaces: Reflector<Labelled>;
  private readonly serviceAccounts: Reflector<Labelled>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;

  constructor(private readonly options: KubernetesInventoryOptions) {
    const api = new KubernetesApi(options.access);
    const changed = () => this.changed();
    this.pods = new Reflector(api, '/api/v1/pods', { fieldSelector: `spec.nodeName=${options.node}` }, changed, options.log);
    this.namespaces = new Reflector(api, '/api/v1/namespaces', {}, changed, options.log);
    this.serviceAccounts = new Reflector(api, '/api/v1/serviceaccounts', {}, changed, options.log);
  }

  /** Starts the watches and resolves with the inventory once each has listed once. */
  async start(signal: AbortSignal): Promise<Resource[]> {
    for (const r of [this.pods, this.namespaces, this.serviceAccounts]) void r.run(signal);
    signal.addEventListener('abort', () => clearTimeout(this.timer), { once: true });
    await Promise.race([
      Promise.all([this.pods.synced(), this.namespaces.synced(), this.serviceAccounts.synced()]),
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped before the Kubernetes inventory was listed')), { once: true })),
    ]);
    this.started = true;
    return this.resources();
  }

  /** The longest any of the watches has gone without hearing from the API server. */
  lagSeconds(): number | undefined {
    const lags = [this.pods, this.namespaces, this.serviceAccounts].map((r) => r.lagSeconds()).filter((l): l is number => l !== undefined);
    return lags.length ? Math.max(...lags) : undefined;
  }

  resources(): Resource[] {
    return inventoryOf(this.options.node, [...this.pods.items.values()], this.namespaces.items, this.serviceAccounts.items);
  }

  private changed(): void {
    if (!this.started || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.options.onChange(this.resources());
    }, this.options.debounceMs ?? 200);
  }
}

/** The resources a node reports for its pods: each pod (trimmed to what policy reads) and the namespaces and service accounts they use. */
export function inventoryOf(node: string, pods: readonly KubePod[], namespaces: ReadonlyMap<string, Labelled>, serviceAccounts: ReadonlyMap<string, Labelled>): Resource[] {
  const out: Resource[] = [];
  const usedNamespaces = new Set<string>();
  const usedAccounts = new Set<string>();
  for (const pod of pods) {
    if (pod.spec?.nodeName !== node || pod.spec.hostNetwork) continue;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const ips = pod.status?.podIPs?.length ? pod.status.podIPs : pod.status?.podIP ? [{ ip: pod.status.podIP }] : [];
    if (!ips.length) continue;
    const namespace = pod.metadata.namespace ?? 'default';
    const account = pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? 'default';
    usedNamespaces.add(namespace);
    usedAccounts.add(`${namespace}/${account}`);
    const containers = (list: Container[] | undefined) =>
      (list ?? []).map((c) => ({
        ...(c.name ? { name: c.name } : {}),
        ports: (c.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
      }));
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.metadata.name, namespace, labels: pod.metadata.labels ?? {} },
      spec: { nodeName: node, serviceAccountName: account, containers: containers(pod.spec.containers), initContainers: containers(pod.spec.initContainers) },
      status: { podIP: ips[0]!.ip, podIPs: ips.map((p) => ({ ip: p.ip })) },
    } as unknown as Resource);
  }
  for (const name of [...usedNamespaces].sort()) {
    const ns = namespaces.get(`/${name}`);
    out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: ns?.metadata.labels ?? {} } } as unknown as Resource);
  }
  for (const key of [...usedAccounts].sort()) {
    const sa = serviceAccounts.get(key);
    if (!sa) continue;
    const [namespace, name] = key.split('/') as [string, string];
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels: sa.metadata.labels ?? {} } } as unknown as Resource);
  }
  return out;
}
