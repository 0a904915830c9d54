import { ORCHESTRATOR_KUBERNETES } from '../labels/special.js';
import { workloadEndpointLabels } from '../labels/effective.js';
import { parseIp, type ParsedIp } from '../net/index.js';
import { asProtocol, protocolNumber, PROTOCOL_NUMBERS } from '../numorstring/index.js';
import { labelSet, type Labels } from '../selector/compile.js';
import type { Endpoint } from '../snapshot/types.js';
import { sourceRef, type SnapshotInput } from './inputs.js';

/** What deriving an endpoint reads from the rest of the state. */
export interface EndpointContext {
  /** The namespace's labels (a namespace that pods name exists even without a Namespace resource). */
  namespaceLabels(namespace: string): Labels;
  serviceAccountLabels(namespace: string, name: string): Labels | undefined;
  /** The labels these profiles apply. */
  profileLabels(names: readonly string[]): Record<string, string>;
}

export const ipsOf = (list: (string | undefined)[]): ParsedIp[] => list.map((t) => (t ? parseIp(t) : undefined)).filter((ip): ip is ParsedIp => ip !== undefined);
const protocolOf = (value: string | number) => protocolNumber(asProtocol(value)) ?? 6;

/**
 * The endpoint a Pod, WorkloadEndpoint or HostEndpoint describes, with the labels Calico gives
 * it; undefined for anything else (and for host-network pods, which host endpoint policy covers).
 */
export function endpointFrom(input: SnapshotInput, context: EndpointContext): Endpoint | undefined {
  const r = input.resource;
  const source = sourceRef(input);
  const withProfileLabels = (own: Labels, profileNames: string[]) => labelSet({ ...context.profileLabels(profileNames), ...own });
  if (r.kind === 'Pod') {
    const pod = r;
    if (pod.spec?.hostNetwork) return undefined;
    const namespace = pod.metadata.namespace ?? 'default';
    const serviceAccount = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default';
    const podIps = pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : [pod.status?.podIP];
    const ports = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].flatMap((c) =>
      (c.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, protocol: PROTOCOL_NUMBERS[p.protocol ?? 'TCP'], port: p.containerPort })),
    );
    return {
      id: `${namespace}/${pod.metadata.name}`,
      kind: 'workload',
      name: pod.metadata.name,
      namespace,
      ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
      labels: workloadEndpointLabels({
        labels: pod.metadata.labels ?? {},
        namespace,
        namespaceLabels: context.namespaceLabels(namespace),
        serviceAccount,
        serviceAccountLabels: context.serviceAccountLabels(namespace, serviceAccount) ?? {},
        orchestrator: ORCHESTRATOR_KUBERNETES,
      }),
      ips: ipsOf(podIps),
      ports,
      profiles: [`kns.${namespace}`, `ksa.${namespace}.${serviceAccount}`],
      serviceAccount,
      source,
    };
  }
  if (r.kind === 'WorkloadEndpoint') {
    const spec = r.spec ?? {};
    const namespace = r.metadata.namespace ?? 'default';
    const name = spec.pod ?? spec.workload ?? r.metadata.name;
    const profileNames = spec.profiles ?? [];
    const namespaceLabels = context.namespaceLabels(namespace);
    const own = workloadEndpointLabels({
      labels: r.metadata.labels ?? {},
      namespace,
      namespaceLabels,
      ...(spec.serviceAccountName ? { serviceAccount: spec.serviceAccountName, serviceAccountLabels: context.serviceAccountLabels(namespace, spec.serviceAccountName) ?? {} } : {}),
      ...(spec.orchestrator ? { orchestrator: spec.orchestrator } : {}),
    });
    return {
      id: `${namespace}/${name}`,
      kind: 'workload',
      name,
      namespace,
      ...(spec.node ? { node: spec.node } : {}),
      labels: withProfileLabels(own, profileNames),
      ips: ipsOf((spec.ipNetworks ?? []).map((n) => n.split('/')[0])),
      ports: (spec.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, protocol: protocolOf(p.protocol), port: p.port })),
      profiles: profileNames,
      ...(spec.serviceAccountName ? { serviceAccount: spec.serviceAccountName } : {}),
      ...(spec.interfaceName ? { interfaceName: spec.interfaceName } : {}),
      source,
    };
  }
  if (r.kind === 'HostEndpoint') {
    const spec = r.spec ?? {};
    const node = spec.node ?? '';
    const profileNames = spec.profiles ?? [];
    return {
      id: `hep:${node}/${r.metadata.name}`,
      kind: 'host',
      name: r.metadata.name,
      node,
      labels: withProfileLabels(labelSet(r.metadata.labels), profileNames),
      ips: ipsOf(spec.expectedIPs ?? []),
      ports: (spec.ports ?? []).map((p) => ({ name: p.name, protocol: protocolOf(p.protocol), port: p.port })),
      profiles: profileNames,
      ...(spec.interfaceName ? { interfaceName: spec.interfaceName } : {}),
      source,
    };
  }
  return undefined;
}
