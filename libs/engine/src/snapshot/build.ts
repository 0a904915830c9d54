import { ORCHESTRATOR_KUBERNETES } from '../labels/special.js';
import { workloadEndpointLabels, networkSetLabels } from '../labels/effective.js';
import { convertClusterNetworkPolicy } from '../k8s/cluster-network-policy.js';
import { convertKubernetesNetworkPolicy } from '../k8s/network-policy.js';
import type * as calico from '../model/calico.js';
import type * as k8s from '../model/kubernetes.js';
import type { Rule } from '../model/rule.js';
import { resourceType, type Resource } from '../model/resources.js';
import { parseCidr, parseIp, type ParsedIp } from '../net/index.js';
import { asProtocol, protocolNumber, PROTOCOL_NUMBERS } from '../numorstring/index.js';
import { effectiveTypes } from '../policy/types.js';
import { policyEndpointSelector } from '../policy/scope.js';
import { labelSet, type Labels } from '../selector/compile.js';
import { BUILTIN_TIERS, compareTiers } from '../tiers.js';
import { compileRule } from './compile-rule.js';
import type { Endpoint, Failsafe, FelixSettings, NetworkSetInfo, NodeInfo, PolicyInfo, ProfileInfo, ServiceInfo, Snapshot, SnapshotError, SourceRef, TierInfo } from './types.js';

/** Felix's defaults when no FelixConfiguration says otherwise. */
export const DEFAULT_FELIX: FelixSettings = {
  failsafeInbound: [
    { protocol: 6, port: 22 },
    { protocol: 17, port: 68 },
    { protocol: 6, port: 179 },
    { protocol: 6, port: 2379 },
    { protocol: 6, port: 2380 },
    { protocol: 6, port: 5473 },
    { protocol: 6, port: 6443 },
    { protocol: 6, port: 6666 },
    { protocol: 6, port: 6667 },
  ],
  failsafeOutbound: [
    { protocol: 17, port: 53 },
    { protocol: 17, port: 67 },
    { protocol: 6, port: 179 },
    { protocol: 6, port: 2379 },
    { protocol: 6, port: 2380 },
    { protocol: 6, port: 5473 },
    { protocol: 6, port: 6443 },
    { protocol: 6, port: 6666 },
    { protocol: 6, port: 6667 },
  ],
  defaultEndpointToHostAction: 'Drop',
};

const ALLOW_ALL: Rule[] = [{ action: 'Allow' }];

export interface SnapshotInput {
  resource: Resource;
  /** Position in the input, for errors. */
  document?: number;
}

function ref(resource: Resource, document?: number): SourceRef {
  return { type: resourceType(resource), name: resource.metadata.name, ...(resource.metadata.namespace ? { namespace: resource.metadata.namespace } : {}), ...(document !== undefined ? { document } : {}) };
}

const ips = (list: (string | undefined)[]): ParsedIp[] => list.map((t) => (t ? parseIp(t) : undefined)).filter((ip): ip is ParsedIp => ip !== undefined);

/**
 * Builds the state a verdict needs from resources: endpoints (from Pods, WorkloadEndpoints and
 * HostEndpoints) with the labels Calico gives them, network sets, nodes, services, tiers, every
 * policy kind compiled and sorted as Calico evaluates them, profiles and Felix settings.
 * Inconsistencies (two endpoints with one IP, a policy in a tier nobody defined) are reported in
 * `errors` with the documents and fields involved; the snapshot is still usable.
 */
export function buildSnapshot(inputs: (SnapshotInput | Resource)[]): Snapshot {
  const items = inputs.map((i) => ('resource' in i ? i : { resource: i }));
  const errors: SnapshotError[] = [];
  const of = <K extends Resource['kind']>(kind: K, apiVersion?: string) =>
    items.filter((i) => i.resource.kind === kind && (apiVersion === undefined || i.resource.apiVersion === apiVersion)) as { resource: Extract<Resource, { kind: K }>; document?: number }[];

  // Namespaces and service accounts: their labels reach endpoints through profiles.
  const namespaces = new Map<string, Labels>();
  for (const { resource } of of('Namespace')) {
    // The API server always sets kubernetes.io/metadata.name; snapshots written by hand may not.
    namespaces.set(resource.metadata.name, labelSet({ 'kubernetes.io/metadata.name': resource.metadata.name, ...(resource.metadata.labels ?? {}) }));
  }
  const namespaceLabels = (name: string): Labels => {
    let labels = namespaces.get(name);
    if (!labels) {
      labels = labelSet({ 'kubernetes.io/metadata.name': name });
      namespaces.set(name, labels);
    }
    return labels;
  };
  const serviceAccounts = new Map<string, Labels>();
  for (const { resource } of of('ServiceAccount')) serviceAccounts.set(`${resource.metadata.namespace ?? 'default'}/${resource.metadata.name}`, labelSet(resource.metadata.labels));

  // Profiles: user-defined ones, plus the kns.<ns> profiles Calico synthesises for namespaces.
  const profiles = new Map<string, ProfileInfo>();
  for (const { resource } of of('Profile')) {
    profiles.set(resource.metadata.name, {
      name: resource.metadata.name,
      ingress: (resource.spec?.ingress ?? []).map((r, i) => compileRule(r, i, undefined)),
      egress: (resource.spec?.egress ?? []).map((r, i) => compileRule(r, i, undefined)),
      ...(resource.spec?.labelsToApply ? { labelsToApply: labelSet(resource.spec.labelsToApply) } : {}),
    });
  }
  const allowAll = (name: string): ProfileInfo => ({ name, ingress: ALLOW_ALL.map((r, i) => compileRule(r, i, undefined)), egress: ALLOW_ALL.map((r, i) => compileRule(r, i, undefined)) });
  const ensureNamespaceProfile = (ns: string) => {
    const name = `kns.${ns}`;
    if (!profiles.has(name)) profiles.set(name, allowAll(name));
    return name;
  };
  if (!profiles.has('projectcalico-default-allow')) profiles.set('projectcalico-default-allow', allowAll('projectcalico-default-allow'));
  // With the Kubernetes datastore every namespace has its kns.<namespace> profile.
  for (const name of namespaces.keys()) ensureNamespaceProfile(name);

  // Endpoints.
  const endpoints = new Map<string, Endpoint>();
  const endpointByIp = new Map<string, Endpoint>();
  const addEndpoint = (endpoint: Endpoint) => {
    if (endpoints.has(endpoint.id)) {
      errors.push({ message: `two endpoints are named ${endpoint.id}`, refs: [endpoints.get(endpoint.id)!.source, endpoint.source] });
      return;
    }
    endpoints.set(endpoint.id, endpoint);
    for (const ip of endpoint.ips) {
      const other = endpointByIp.get(ip.text);
      if (other) {
        const field = (e: Endpoint) => (e.source.type === 'Pod' ? 'status.podIP' : e.kind === 'host' ? 'spec.expectedIPs' : 'spec.ipNetworks');
        errors.push({ message: `${other.id} and ${endpoint.id} both have IP ${ip.text}`, refs: [{ ...other.source, field: field(other) }, { ...endpoint.source, field: field(endpoint) }] });
        continue;
      }
      endpointByIp.set(ip.text, endpoint);
    }
  };

  for (const { resource: pod, document } of of('Pod')) {
    if (pod.spec?.hostNetwork) continue; // a host process, covered by host endpoint policy
    const namespace = pod.metadata.namespace ?? 'default';
    const serviceAccount = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default';
    const podIps = pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : [pod.status?.podIP];
    const ports = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].flatMap((c) =>
      (c.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, protocol: PROTOCOL_NUMBERS[p.protocol ?? 'TCP'], port: p.containerPort })),
    );
    addEndpoint({
      id: `${namespace}/${pod.metadata.name}`,
      kind: 'workload',
      name: pod.metadata.name,
      namespace,
      ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
      labels: workloadEndpointLabels({
        labels: pod.metadata.labels ?? {},
        namespace,
        namespaceLabels: namespaceLabels(namespace),
        serviceAccount,
        serviceAccountLabels: serviceAccounts.get(`${namespace}/${serviceAccount}`) ?? {},
        orchestrator: ORCHESTRATOR_KUBERNETES,
      }),
      ips: ips(podIps),
      ports,
      profiles: [ensureNamespaceProfile(namespace), `ksa.${namespace}.${serviceAccount}`],
      serviceAccount,
      source: ref(pod, document),
    });
  }

  const withProfileLabels = (own: Labels, profileNames: string[]): Labels => {
    const merged: Record<string, string> = {};
    for (const name of profileNames) Object.assign(merged, profiles.get(name)?.labelsToApply ?? {});
    return labelSet({ ...merged, ...own });
  };

  for (const { resource: wep, document } of of('WorkloadEndpoint')) {
    const spec = wep.spec ?? {};
    const namespace = wep.metadata.namespace ?? 'default';
    ensureNamespaceProfile(namespace);
    const name = spec.pod ?? spec.workload ?? wep.metadata.name;
    const profileNames = spec.profiles ?? [];
    const own = workloadEndpointLabels({
      labels: wep.metadata.labels ?? {},
      namespace,
      namespaceLabels: namespaceLabels(namespace),
      ...(spec.serviceAccountName ? { serviceAccount: spec.serviceAccountName, serviceAccountLabels: serviceAccounts.get(`${namespace}/${spec.serviceAccountName}`) ?? {} } : {}),
      ...(spec.orchestrator ? { orchestrator: spec.orchestrator } : {}),
    });
    addEndpoint({
      id: `${namespace}/${name}`,
      kind: 'workload',
      name,
      namespace,
      ...(spec.node ? { node: spec.node } : {}),
      labels: withProfileLabels(own, profileNames),
      ips: ips((spec.ipNetworks ?? []).map((n) => n.split('/')[0])),
      ports: (spec.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, protocol: protocolNumber(asProtocol(p.protocol)) ?? 6, port: p.port })),
      profiles: profileNames,
      ...(spec.serviceAccountName ? { serviceAccount: spec.serviceAccountName } : {}),
      ...(spec.interfaceName ? { interfaceName: spec.interfaceName } : {}),
      source: ref(wep, document),
    });
  }

  const nodes = new Map<string, NodeInfo>();
  const nodeByIp = new Map<string, NodeInfo>();
  for (const { resource: node } of of('Node')) {
    const internal = ips((node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address));
    const info: NodeInfo = { name: node.metadata.name, labels: labelSet(node.metadata.labels), internalIps: internal, hostEndpoints: [] };
    nodes.set(info.name, info);
    for (const ip of internal) nodeByIp.set(ip.text, info);
  }
  const nodeNamed = (name: string): NodeInfo => {
    let info = nodes.get(name);
    if (!info) {
      info = { name, labels: labelSet({}), internalIps: [], hostEndpoints: [] };
      nodes.set(name, info);
    }
    return info;
  };

  for (const { resource: hep, document } of of('HostEndpoint')) {
    const spec = hep.spec ?? {};
    const node = spec.node ?? '';
    const profileNames = spec.profiles ?? [];
    const id = `hep:${node}/${hep.metadata.name}`;
    addEndpoint({
      id,
      kind: 'host',
      name: hep.metadata.name,
      node,
      labels: withProfileLabels(labelSet(hep.metadata.labels), profileNames),
      ips: ips(spec.expectedIPs ?? []),
      ports: (spec.ports ?? []).map((p) => ({ name: p.name, protocol: protocolNumber(asProtocol(p.protocol)) ?? 6, port: p.port })),
      profiles: profileNames,
      ...(spec.interfaceName ? { interfaceName: spec.interfaceName } : {}),
      source: ref(hep, document),
    });
    nodeNamed(node).hostEndpoints.push(id);
  }
  for (const endpoint of endpoints.values()) if (endpoint.node) nodeNamed(endpoint.node);

  // Network sets: matched by selector like endpoints; a namespaced one carries its namespace.
  const networkSets: NetworkSetInfo[] = [];
  for (const { resource, document } of [...of('NetworkSet'), ...of('GlobalNetworkSet')]) {
    const namespace = resource.kind === 'NetworkSet' ? (resource.metadata.namespace ?? 'default') : undefined;
    networkSets.push({
      id: `${resourceType(resource)}/${namespace ? `${namespace}/` : ''}${resource.metadata.name}`,
      name: resource.metadata.name,
      ...(namespace ? { namespace } : {}),
      labels: networkSetLabels(resource.metadata.labels, namespace),
      nets: (resource.spec?.nets ?? []).map((n) => parseCidr(n, { allowBareIp: true })).filter((c) => c !== undefined),
      source: ref(resource, document),
    });
  }

  // Services, from their EndpointSlices.
  const services = new Map<string, ServiceInfo>();
  for (const { resource: slice } of of('EndpointSlice')) {
    const namespace = slice.metadata.namespace ?? 'default';
    const service = slice.metadata.labels?.['kubernetes.io/service-name'];
    if (!service || slice.addressType === 'FQDN') continue;
    const key = `${namespace}/${service}`;
    const info = services.get(key) ?? { namespace, name: service, addresses: [], ports: [] };
    for (const e of slice.endpoints ?? []) if (e.conditions?.ready !== false) info.addresses.push(...ips(e.addresses));
    for (const p of slice.ports ?? []) if (p.port) info.ports.push({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: PROTOCOL_NUMBERS[p.protocol ?? 'TCP'] });
    services.set(key, info);
  }

  // Tiers: the built-in ones, then the ones defined.
  const tiers = new Map<string, TierInfo>(BUILTIN_TIERS.map((t) => [t.name, { ...t }]));
  for (const { resource } of of('Tier')) {
    tiers.set(resource.metadata.name, { name: resource.metadata.name, ...(resource.spec?.order !== undefined ? { order: resource.spec.order } : {}), defaultAction: resource.spec?.defaultAction ?? 'Deny' });
  }

  // Policies.
  const policies: PolicyInfo[] = [];
  const addPolicy = (
    type: string,
    meta: { name: string; namespace?: string },
    spec: calico.GlobalNetworkPolicySpec,
    namespaced: boolean,
    source: SourceRef,
    staged?: PolicyInfo['staged'],
  ) => {
    const namespace = namespaced ? (meta.namespace ?? 'default') : undefined;
    const tier = spec.tier ?? 'default';
    if (!tiers.has(tier)) {
      errors.push({ message: `${type} ${namespace ? `${namespace}/` : ''}${meta.name} is in tier ${JSON.stringify(tier)}, which no Tier resource defines`, refs: [{ ...source, field: 'spec.tier' }] });
      tiers.set(tier, { name: tier, defaultAction: 'Deny', missing: true });
    }
    policies.push({
      id: `${type}/${namespace ? `${namespace}/` : ''}${meta.name}`,
      type,
      name: meta.name,
      ...(namespace ? { namespace } : {}),
      tier,
      ...(spec.order !== undefined ? { order: spec.order } : {}),
      ...(staged ? { staged } : {}),
      selector: policyEndpointSelector({ selector: spec.selector, namespaceSelector: namespaced ? undefined : spec.namespaceSelector, serviceAccountSelector: spec.serviceAccountSelector }, namespace),
      written: {
        ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
        ...(spec.namespaceSelector !== undefined ? { namespaceSelector: spec.namespaceSelector } : {}),
        ...(spec.serviceAccountSelector !== undefined ? { serviceAccountSelector: spec.serviceAccountSelector } : {}),
      },
      types: effectiveTypes(spec),
      ingress: (spec.ingress ?? []).map((r, i) => compileRule(r, i, namespace)),
      egress: (spec.egress ?? []).map((r, i) => compileRule(r, i, namespace)),
      doNotTrack: spec.doNotTrack ?? false,
      preDNAT: spec.preDNAT ?? false,
      applyOnForward: spec.applyOnForward ?? false,
      sortKey: `${meta.name}/${namespace ?? ''}/${type}`,
      source,
    });
  };

  for (const { resource, document } of items) {
    const source = ref(resource, document);
    const r = resource;
    if (r.kind === 'NetworkPolicy' && r.apiVersion === 'projectcalico.org/v3') addPolicy('NetworkPolicy', r.metadata, r.spec ?? {}, true, source);
    else if (r.kind === 'GlobalNetworkPolicy') addPolicy('GlobalNetworkPolicy', r.metadata, r.spec ?? {}, false, source);
    else if (r.kind === 'NetworkPolicy') {
      const knp = r as k8s.KubernetesNetworkPolicy;
      addPolicy('KubernetesNetworkPolicy', knp.metadata, convertKubernetesNetworkPolicy(knp).policy.spec ?? {}, true, source);
    } else if (r.kind === 'ClusterNetworkPolicy') addPolicy('ClusterNetworkPolicy', r.metadata, convertClusterNetworkPolicy(r).policy.spec ?? {}, false, source);
    else if (r.kind === 'StagedNetworkPolicy' || r.kind === 'StagedGlobalNetworkPolicy' || r.kind === 'StagedKubernetesNetworkPolicy') {
      const { stagedAction, ...spec } = r.spec ?? {};
      const action = stagedAction === 'Delete' ? 'Delete' : 'Set';
      if (stagedAction === 'Learn' || stagedAction === 'Ignore') continue; // no effect in Calico OSS
      const namespaced = r.kind !== 'StagedGlobalNetworkPolicy';
      const enforcedType = r.kind === 'StagedNetworkPolicy' ? 'NetworkPolicy' : r.kind === 'StagedGlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'KubernetesNetworkPolicy';
      const namespace = namespaced ? (r.metadata.namespace ?? 'default') : undefined;
      const replaces = `${enforcedType}/${namespace ? `${namespace}/` : ''}${r.metadata.name}`;
      const calicoSpec =
        r.kind === 'StagedKubernetesNetworkPolicy'
          ? convertKubernetesNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: r.metadata, spec: spec as k8s.KubernetesNetworkPolicySpec }).policy.spec ?? {}
          : (spec as calico.GlobalNetworkPolicySpec);
      addPolicy(r.kind, r.metadata, action === 'Delete' ? { ...(calicoSpec.tier ? { tier: calicoSpec.tier } : {}) } : calicoSpec, namespaced, source, { action, replaces });
    }
  }

  const sortedTiers = [...tiers.values()].sort((a, b) => (a.missing !== b.missing ? (a.missing ? 1 : -1) : compareTiers(a, b)));
  const tierRank = new Map(sortedTiers.map((t, i) => [t.name, i]));
  policies.sort((a, b) => {
    const ta = tierRank.get(a.tier)! - tierRank.get(b.tier)!;
    if (ta !== 0) return ta;
    const oa = a.order ?? Number.POSITIVE_INFINITY;
    const ob = b.order ?? Number.POSITIVE_INFINITY;
    if (oa !== ob) return oa < ob ? -1 : 1;
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
  });

  // Felix settings: "default" for every node, "node.<name>" for one.
  const felixConfigs = new Map(of('FelixConfiguration').map(({ resource }) => [resource.metadata.name, resource.spec ?? {}]));
  const failsafes = (list: calico.ProtoPort[] | undefined): Failsafe[] | undefined =>
    list?.map((p) => {
      const net = p.net ? parseCidr(p.net, { allowBareIp: true }) : undefined;
      return { protocol: PROTOCOL_NUMBERS[(p.protocol ?? 'TCP').toUpperCase() === 'UDP' ? 'UDP' : (p.protocol ?? 'TCP').toUpperCase() === 'SCTP' ? 'SCTP' : 'TCP'], port: p.port, ...(net ? { net } : {}) };
    });
  const felixFor = (node: string | undefined): FelixSettings => {
    let settings = { ...DEFAULT_FELIX };
    for (const spec of [felixConfigs.get('default'), node ? felixConfigs.get(`node.${node}`) : undefined]) {
      if (!spec) continue;
      settings = {
        failsafeInbound: failsafes(spec.failsafeInboundHostPorts) ?? settings.failsafeInbound,
        failsafeOutbound: failsafes(spec.failsafeOutboundHostPorts) ?? settings.failsafeOutbound,
        defaultEndpointToHostAction: spec.defaultEndpointToHostAction ?? settings.defaultEndpointToHostAction,
      };
    }
    return settings;
  };

  return {
    endpoints,
    endpointByIp,
    networkSets,
    nodes,
    nodeByIp,
    services,
    tiers: sortedTiers,
    policies,
    profiles,
    namespaces,
    felix: felixFor,
    errors,
  };
}
