import { ORCHESTRATOR_KUBERNETES } from '../labels/special.js';
import { networkSetLabels, workloadEndpointLabels } from '../labels/effective.js';
import { convertClusterNetworkPolicy } from '../k8s/cluster-network-policy.js';
import { convertKubernetesNetworkPolicy } from '../k8s/network-policy.js';
import type * as calico from '../model/calico.js';
import type * as k8s from '../model/kubernetes.js';
import type { Rule } from '../model/rule.js';
import { resourceType, type Resource } from '../model/resources.js';
import { parseCidr, parseIp, type ParsedCidr, type ParsedIp } from '../net/index.js';
import { asProtocol, protocolNumber, PROTOCOL_NUMBERS } from '../numorstring/index.js';
import { effectiveTypes } from '../policy/types.js';
import { policyEndpointSelector } from '../policy/scope.js';
import { labelSet, type Labels } from '../selector/compile.js';
import { BUILTIN_TIERS, compareTiers } from '../tiers.js';
import { LabelIndex, SelectorIndex } from '../index/label-index.js';
import type { Member, SnapshotIndexes } from '../index/snapshot-index.js';
import { cachesOf, forgetChains, forgetGroupsOf, forgetIpSets, forgetIpSetsMatching } from './caches.js';
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

export interface SnapshotInput {
  resource: Resource;
  /** Position in the input, for errors. */
  document?: number;
}

/** Identifies a resource across changes: its type, namespace and name. */
export interface ResourceKey {
  type: string;
  namespace?: string;
  name: string;
}

export type Change = { upsert: SnapshotInput | Resource } | { delete: ResourceKey };

export interface MemberChange {
  sign: 1 | -1;
  member: Member;
}

/** What a change touched, for the incremental compiler. */
export interface Affected {
  /** Endpoints whose labels, addresses, ports, profiles or applicable policies may have changed. */
  endpoints: Set<string>;
  /** Policies whose rules or place changed (added, removed, edited). */
  policies: Set<string>;
  /** Selector IP sets whose members may have changed (by canonical selector). */
  selectors: Set<string>;
  /**
   * Members (endpoints, network sets) that left (-1) or joined (+1) the label index, in order: a
   * changed member leaves as it was and joins as it is. Sets whose selector matches one gain or lose
   * its addresses.
   */
  members: MemberChange[];
  /** Profiles whose rules changed. */
  profiles: Set<string>;
  /** Services ("namespace/name") whose endpoints or ports changed. */
  services: Set<string>;
  /** Something node-wide changed (tiers, Felix settings, services): recompile everything. */
  all: boolean;
}

const noneAffected = (): Affected => ({ endpoints: new Set(), policies: new Set(), selectors: new Set(), members: [], profiles: new Set(), services: new Set(), all: false });

const ALLOW_ALL: Rule[] = [{ action: 'Allow' }];
const NAMESPACED = new Set(['NetworkPolicy', 'StagedNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'KubernetesNetworkPolicy', 'NetworkSet', 'WorkloadEndpoint', 'ServiceAccount', 'Pod', 'EndpointSlice']);

export function keyOf(resource: Resource): string {
  const type = resourceType(resource);
  return `${type}/${NAMESPACED.has(type) ? `${resource.metadata.namespace ?? 'default'}/` : ''}${resource.metadata.name}`;
}

function keyFromRef(ref: ResourceKey): string {
  return `${ref.type}/${NAMESPACED.has(ref.type) ? `${ref.namespace ?? 'default'}/` : ''}${ref.name}`;
}

function sourceRef(input: SnapshotInput): SourceRef {
  const r = input.resource;
  return { type: resourceType(r), name: r.metadata.name, ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}), ...(input.document !== undefined ? { document: input.document } : {}) };
}

const ips = (list: (string | undefined)[]): ParsedIp[] => list.map((t) => (t ? parseIp(t) : undefined)).filter((ip): ip is ParsedIp => ip !== undefined);
const protocolOf = (value: string | number) => protocolNumber(asProtocol(value)) ?? 6;

/**
 * The state a verdict needs, derived from resources, and kept up to date one change at a time.
 * Endpoints (from Pods, WorkloadEndpoints and HostEndpoints) carry the labels Calico gives them;
 * policies of every kind are compiled and kept in Calico's evaluation order; label indexes and
 * the per-endpoint chains and IP sets computed from them are forgotten exactly where a change
 * reaches, so a full build and a sequence of changes give identical results.
 */
export class ClusterState implements Snapshot {
  private readonly inputs = new Map<string, SnapshotInput>();
  /** Input key → when it was last written: earlier resources win clashes, in a full build and incrementally alike. */
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  readonly endpoints = new Map<string, Endpoint>();
  /** Input key → id of the endpoint it describes (when it is the one in force). */
  private readonly endpointOf = new Map<string, string>();
  /** Endpoint id → input keys describing it, earliest first; the first is in force. */
  private readonly claims = new Map<string, string[]>();
  /** IP → endpoint ids that have it, by the age of their input. */
  private readonly ipOwners = new Map<string, string[]>();
  private readonly nodeResources = new Map<string, { labels: Labels; internalIps: ParsedIp[] }>();
  private readonly networkSetMap = new Map<string, NetworkSetInfo>();
  readonly services = new Map<string, ServiceInfo>();
  readonly profiles = new Map<string, ProfileInfo>();
  readonly namespaces = new Map<string, Labels>();
  private readonly serviceAccounts = new Map<string, Labels>();
  private readonly tierMap = new Map<string, TierInfo>();
  private readonly policyMap = new Map<string, PolicyInfo>();
  private readonly policyOf = new Map<string, string>();
  private readonly felixConfigs = new Map<string, calico.FelixConfigurationSpec>();
  private readonly indexes: SnapshotIndexes;
  private sortedPolicies: PolicyInfo[] = [];
  private sortedTiers: TierInfo[] = [];
  private tierRank = new Map<string, number>();
  private networkSetList: NetworkSetInfo[] = [];
  private nodeView: Map<string, NodeInfo> | undefined;
  private nodeIpView: Map<string, NodeInfo> | undefined;
  private ipView: Map<string, Endpoint> | undefined;
  private batch = false;

  constructor() {
    for (const t of BUILTIN_TIERS) this.tierMap.set(t.name, { ...t });
    this.ensureAllowProfile('projectcalico-default-allow');
    this.indexes = { members: new LabelIndex<Member>(), policies: new SelectorIndex<PolicyInfo>(), rank: new Map(), staged: 0 };
    cachesOf(this).indexes = this.indexes;
  }

  /** A state built from resources in one go (what buildSnapshot returns). */
  static from(inputs: (SnapshotInput | Resource)[]): ClusterState {
    const state = new ClusterState();
    state.batch = true;
    const list = inputs.map((i) => ('resource' in i ? i : { resource: i }));
    // Namespaces, service accounts and profiles first: endpoints inherit their labels.
    const rank = (r: Resource) => (r.kind === 'Namespace' || r.kind === 'ServiceAccount' || r.kind === 'Profile' || r.kind === 'Tier' ? 0 : 1);
    for (const input of [...list].sort((a, b) => rank(a.resource) - rank(b.resource))) state.put(input);
    state.batch = false;
    state.resort();
    return state;
  }

  get networkSets(): readonly NetworkSetInfo[] {
    return this.networkSetList;
  }

  get policies(): readonly PolicyInfo[] {
    return this.sortedPolicies;
  }

  get tiers(): readonly TierInfo[] {
    return this.sortedTiers;
  }

  get endpointByIp(): ReadonlyMap<string, Endpoint> {
    if (!this.ipView) {
      this.ipView = new Map();
      for (const [ip, owners] of this.ipOwners) this.ipView.set(ip, this.endpoints.get(owners[0]!)!);
    }
    return this.ipView;
  }

  get nodes(): ReadonlyMap<string, NodeInfo> {
    if (!this.nodeView) this.buildNodeViews();
    return this.nodeView!;
  }

  get nodeByIp(): ReadonlyMap<string, NodeInfo> {
    if (!this.nodeIpView) this.buildNodeViews();
    return this.nodeIpView!;
  }

  get errors(): SnapshotError[] {
    const errors: SnapshotError[] = [];
    for (const [id, keys] of this.claims) {
      for (const other of keys.slice(1)) errors.push({ message: `two endpoints are named ${id}`, refs: [sourceRef(this.inputs.get(keys[0]!)!), sourceRef(this.inputs.get(other)!)] });
    }
    const field = (e: Endpoint) => (e.source.type === 'Pod' ? 'status.podIP' : e.kind === 'host' ? 'spec.expectedIPs' : 'spec.ipNetworks');
    for (const [ip, owners] of this.ipOwners) {
      for (const other of owners.slice(1)) {
        const a = this.endpoints.get(owners[0]!)!;
        const b = this.endpoints.get(other)!;
        errors.push({ message: `${a.id} and ${b.id} both have IP ${ip}`, refs: [{ ...a.source, field: field(a) }, { ...b.source, field: field(b) }] });
      }
    }
    for (const policy of this.sortedPolicies) {
      if (this.tierMap.get(policy.tier)?.missing) {
        errors.push({ message: `${policy.type} ${policy.namespace ? `${policy.namespace}/` : ''}${policy.name} is in tier ${JSON.stringify(policy.tier)}, which no Tier resource defines`, refs: [{ ...policy.source, field: 'spec.tier' }] });
      }
    }
    return errors;
  }

  felix(node: string | undefined): FelixSettings {
    let settings = { ...DEFAULT_FELIX };
    for (const spec of [this.felixConfigs.get('default'), node ? this.felixConfigs.get(`node.${node}`) : undefined]) {
      if (!spec) continue;
      settings = {
        failsafeInbound: failsafes(spec.failsafeInboundHostPorts) ?? settings.failsafeInbound,
        failsafeOutbound: failsafes(spec.failsafeOutboundHostPorts) ?? settings.failsafeOutbound,
        defaultEndpointToHostAction: spec.defaultEndpointToHostAction ?? settings.defaultEndpointToHostAction,
      };
    }
    return settings;
  }

  /** The resources the state was built from, as they are now. */
  resources(): Resource[] {
    return [...this.inputs.values()].map((i) => i.resource);
  }

  /** One resource as the state holds it, by key ("Type/namespace/name" or "Type/name"). */
  resource(key: string): Resource | undefined {
    return this.inputs.get(key)?.resource;
  }

  /**
   * Applies changes, runs `inspect` on the changed state with what they touched, then puts every
   * resource back exactly as it was (with its original age, so IP clashes resolve as before). For
   * "what if" questions against a long-lived state without copying it.
   */
  whatIf<T>(changes: Change[], inspect: (affected: Affected) => T): T {
    const saved = new Map<string, { input: SnapshotInput; age: number } | undefined>();
    const affected = noneAffected();
    const merge = (a: Affected) => {
      for (const field of ['endpoints', 'policies', 'selectors', 'profiles', 'services'] as const) for (const v of a[field]) affected[field].add(v);
      affected.members.push(...a.members);
      affected.all ||= a.all;
    };
    try {
      for (const change of changes) {
        const key = 'upsert' in change ? keyOf('resource' in change.upsert ? change.upsert.resource : change.upsert) : keyFromRef(change.delete);
        if (!saved.has(key)) {
          const input = this.inputs.get(key);
          saved.set(key, input && { input, age: this.seq.get(key)! });
        }
        merge(this.apply(change));
      }
      return inspect(affected);
    } finally {
      const restore = noneAffected();
      for (const [key, prior] of [...saved].reverse()) {
        if (prior) this.put(prior.input, restore, prior.age);
        else this.remove(key, restore);
      }
      this.invalidate(restore);
    }
  }

  /** Applies one change and reports what it touched; caches are forgotten accordingly. */
  apply(change: Change): Affected {
    const affected = noneAffected();
    if ('upsert' in change) {
      const input = 'resource' in change.upsert ? change.upsert : { resource: change.upsert };
      this.put(input, affected);
    } else {
      this.remove(keyFromRef(change.delete), affected);
    }
    this.invalidate(affected);
    return affected;
  }

  private invalidate(affected: Affected): void {
    this.ipView = undefined;
    this.nodeView = undefined;
    this.nodeIpView = undefined;
    cachesOf(this).peers.clear();
    if (affected.all) {
      forgetChains(this);
      for (const key of forgetIpSets(this)) affected.selectors.add(key);
      return;
    }
    for (const id of affected.endpoints) {
      const endpoint = this.endpoints.get(id);
      if (endpoint) forgetChains(this, endpoint);
    }
  }

  // --- inputs ---------------------------------------------------------------------------------

  private put(input: SnapshotInput, affected?: Affected, age?: number): void {
    const key = keyOf(input.resource);
    if (this.inputs.has(key)) this.remove(key, affected, true);
    this.inputs.set(key, input);
    this.seq.set(key, age ?? this.nextSeq++);
    this.derive(key, input, affected);
  }

  private remove(key: string, affected?: Affected, replacing = false): void {
    const input = this.inputs.get(key);
    if (!input) return;
    this.inputs.delete(key);
    this.underive(key, input, affected, replacing);
    this.seq.delete(key);
  }

  private derive(key: string, input: SnapshotInput, affected?: Affected): void {
    const r = input.resource;
    switch (r.kind) {
      case 'Namespace':
        this.namespaces.set(r.metadata.name, labelSet({ 'kubernetes.io/metadata.name': r.metadata.name, ...(r.metadata.labels ?? {}) }));
        this.ensureAllowProfile(`kns.${r.metadata.name}`);
        this.rederiveEndpoints((e) => e.kind === 'workload' && e.namespace === r.metadata.name, affected);
        return;
      case 'ServiceAccount':
        this.serviceAccounts.set(`${r.metadata.namespace ?? 'default'}/${r.metadata.name}`, labelSet(r.metadata.labels));
        this.rederiveEndpoints((e) => e.namespace === (r.metadata.namespace ?? 'default') && e.serviceAccount === r.metadata.name, affected);
        return;
      case 'Profile':
        this.profiles.set(r.metadata.name, {
          name: r.metadata.name,
          ingress: (r.spec?.ingress ?? []).map((rule, i) => compileRule(rule, i, undefined)),
          egress: (r.spec?.egress ?? []).map((rule, i) => compileRule(rule, i, undefined)),
          ...(r.spec?.labelsToApply ? { labelsToApply: labelSet(r.spec.labelsToApply) } : {}),
        });
        affected?.profiles.add(r.metadata.name);
        this.rederiveEndpoints((e) => e.profiles.includes(r.metadata.name), affected);
        return;
      case 'Pod':
      case 'WorkloadEndpoint':
      case 'HostEndpoint':
        this.claimEndpoint(key, input, affected);
        return;
      case 'Node':
        this.nodeResources.set(r.metadata.name, { labels: labelSet(r.metadata.labels), internalIps: ips((r.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)) });
        return;
      case 'NetworkSet':
      case 'GlobalNetworkSet': {
        const namespace = r.kind === 'NetworkSet' ? (r.metadata.namespace ?? 'default') : undefined;
        const set: NetworkSetInfo = {
          id: `${resourceType(r)}/${namespace ? `${namespace}/` : ''}${r.metadata.name}`,
          name: r.metadata.name,
          ...(namespace ? { namespace } : {}),
          labels: networkSetLabels(r.metadata.labels, namespace),
          nets: (r.spec?.nets ?? []).map((n) => parseCidr(n, { allowBareIp: true })).filter((c): c is ParsedCidr => c !== undefined),
          source: sourceRef(input),
        };
        this.networkSetMap.set(key, set);
        this.networkSetList = [...this.networkSetMap.values()];
        this.indexes.members.set(`n:${set.id}`, { kind: 'networkSet', set }, set.labels);
        this.forgetSetsOf({ kind: 'networkSet', set }, 1, affected);
        return;
      }
      case 'EndpointSlice':
        this.rebuildService(r, affected);
        return;
      case 'Tier':
        this.tierMap.set(r.metadata.name, { name: r.metadata.name, ...(r.spec?.order !== undefined ? { order: r.spec.order } : {}), defaultAction: r.spec?.defaultAction ?? 'Deny' });
        this.markAll(affected);
        return;
      case 'FelixConfiguration':
        this.felixConfigs.set(r.metadata.name, r.spec ?? {});
        this.markAll(affected);
        return;
      default: {
        const policy = this.policyFrom(input);
        if (policy) this.addPolicy(key, policy, affected);
      }
    }
  }

  private underive(key: string, input: SnapshotInput, affected: Affected | undefined, replacing: boolean): void {
    const r = input.resource;
    switch (r.kind) {
      case 'Namespace':
        if (replacing) return; // derive() overwrites and re-derives the namespace's endpoints
        this.namespaces.delete(r.metadata.name);
        this.rederiveEndpoints((e) => e.kind === 'workload' && e.namespace === r.metadata.name, affected);
        return;
      case 'ServiceAccount':
        if (replacing) return;
        this.serviceAccounts.delete(`${r.metadata.namespace ?? 'default'}/${r.metadata.name}`);
        this.rederiveEndpoints((e) => e.namespace === (r.metadata.namespace ?? 'default') && e.serviceAccount === r.metadata.name, affected);
        return;
      case 'Profile':
        if (replacing) return;
        this.profiles.delete(r.metadata.name);
        if (r.metadata.name.startsWith('kns.') && this.namespaces.has(r.metadata.name.slice(4))) this.ensureAllowProfile(r.metadata.name);
        affected?.profiles.add(r.metadata.name);
        this.rederiveEndpoints((e) => e.profiles.includes(r.metadata.name), affected);
        return;
      case 'Pod':
      case 'WorkloadEndpoint':
      case 'HostEndpoint':
        this.releaseEndpoint(key, input, affected);
        return;
      case 'Node':
        this.nodeResources.delete(r.metadata.name);
        return;
      case 'NetworkSet':
      case 'GlobalNetworkSet': {
        const set = this.networkSetMap.get(key);
        if (!set) return;
        this.networkSetMap.delete(key);
        this.networkSetList = [...this.networkSetMap.values()];
        this.indexes.members.delete(`n:${set.id}`);
        this.forgetSetsOf({ kind: 'networkSet', set }, -1, affected);
        return;
      }
      case 'EndpointSlice':
        if (!replacing) this.rebuildService(r, affected);
        return;
      case 'Tier':
        this.tierMap.delete(r.metadata.name);
        for (const t of BUILTIN_TIERS) if (t.name === r.metadata.name) this.tierMap.set(t.name, { ...t });
        // Policies still in the tier now name a tier nobody defines.
        if (!this.tierMap.has(r.metadata.name) && [...this.policyMap.values()].some((p) => p.tier === r.metadata.name)) this.tierMap.set(r.metadata.name, { name: r.metadata.name, defaultAction: 'Deny', missing: true });
        this.markAll(affected);
        return;
      case 'FelixConfiguration':
        this.felixConfigs.delete(r.metadata.name);
        this.markAll(affected);
        return;
      default:
        this.removePolicy(key, affected);
    }
  }

  private markAll(affected: Affected | undefined): void {
    if (this.batch) return;
    this.resort();
    if (affected) affected.all = true;
  }

  private ensureAllowProfile(name: string): void {
    if (this.profiles.has(name)) return;
    this.profiles.set(name, { name, ingress: ALLOW_ALL.map((r, i) => compileRule(r, i, undefined)), egress: ALLOW_ALL.map((r, i) => compileRule(r, i, undefined)) });
  }

  private namespaceLabels(name: string): Labels {
    let labels = this.namespaces.get(name);
    if (!labels) {
      // A namespace no Namespace resource describes: it exists (pods are in it), with its name label.
      labels = labelSet({ 'kubernetes.io/metadata.name': name });
      this.namespaces.set(name, labels);
    }
    this.ensureAllowProfile(`kns.${name}`);
    return labels;
  }

  // --- endpoints ------------------------------------------------------------------------------

  private endpointFrom(input: SnapshotInput): Endpoint | undefined {
    const r = input.resource;
    const source = sourceRef(input);
    if (r.kind === 'Pod') {
      const pod = r;
      if (pod.spec?.hostNetwork) return undefined; // a host process, covered by host endpoint policy
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
          namespaceLabels: this.namespaceLabels(namespace),
          serviceAccount,
          serviceAccountLabels: this.serviceAccounts.get(`${namespace}/${serviceAccount}`) ?? {},
          orchestrator: ORCHESTRATOR_KUBERNETES,
        }),
        ips: ips(podIps),
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
      const namespaceLabels = this.namespaceLabels(namespace);
      const own = workloadEndpointLabels({
        labels: r.metadata.labels ?? {},
        namespace,
        namespaceLabels,
        ...(spec.serviceAccountName ? { serviceAccount: spec.serviceAccountName, serviceAccountLabels: this.serviceAccounts.get(`${namespace}/${spec.serviceAccountName}`) ?? {} } : {}),
        ...(spec.orchestrator ? { orchestrator: spec.orchestrator } : {}),
      });
      return {
        id: `${namespace}/${name}`,
        kind: 'workload',
        name,
        namespace,
        ...(spec.node ? { node: spec.node } : {}),
        labels: this.withProfileLabels(own, profileNames),
        ips: ips((spec.ipNetworks ?? []).map((n) => n.split('/')[0])),
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
        labels: this.withProfileLabels(labelSet(r.metadata.labels), profileNames),
        ips: ips(spec.expectedIPs ?? []),
        ports: (spec.ports ?? []).map((p) => ({ name: p.name, protocol: protocolOf(p.protocol), port: p.port })),
        profiles: profileNames,
        ...(spec.interfaceName ? { interfaceName: spec.interfaceName } : {}),
        source,
      };
    }
    return undefined;
  }

  private withProfileLabels(own: Labels, profileNames: string[]): Labels {
    const merged: Record<string, string> = {};
    for (const name of profileNames) Object.assign(merged, this.profiles.get(name)?.labelsToApply ?? {});
    return labelSet({ ...merged, ...own });
  }

  /** An input describes an endpoint: it is in force unless an older input describes the same one. */
  private claimEndpoint(key: string, input: SnapshotInput, affected?: Affected): void {
    const endpoint = this.endpointFrom(input);
    if (!endpoint) return;
    const keys = this.claims.get(endpoint.id);
    if (keys) {
      // Newer than every claimant (its sequence number is the latest): shadowed, reported in errors.
      keys.push(key);
      return;
    }
    this.claims.set(endpoint.id, [key]);
    this.install(key, endpoint, affected);
  }

  private releaseEndpoint(key: string, input: SnapshotInput, affected?: Affected): void {
    const id = this.endpointOf.get(key) ?? this.endpointFrom(input)?.id;
    if (id === undefined) return;
    const keys = (this.claims.get(id) ?? []).filter((k) => k !== key);
    if (keys.length) this.claims.set(id, keys);
    else this.claims.delete(id);
    if (this.endpointOf.get(key) !== id) return; // it was shadowed
    this.uninstall(key, affected);
    // The next oldest description of the endpoint takes over.
    const next = keys[0];
    if (next !== undefined) {
      const endpoint = this.endpointFrom(this.inputs.get(next)!);
      if (endpoint) this.install(next, endpoint, affected);
    }
  }

  private install(key: string, endpoint: Endpoint, affected?: Affected): void {
    this.endpoints.set(endpoint.id, endpoint);
    this.endpointOf.set(key, endpoint.id);
    const age = this.seq.get(key)!;
    const ageOf = (id: string) => this.seq.get(this.claims.get(id)![0]!)!;
    for (const ip of endpoint.ips) {
      const owners = this.ipOwners.get(ip.text);
      if (!owners) this.ipOwners.set(ip.text, [endpoint.id]);
      else {
        let at = owners.length;
        while (at > 0 && ageOf(owners[at - 1]!) > age) at--;
        owners.splice(at, 0, endpoint.id);
      }
    }
    this.indexes.members.set(`e:${endpoint.id}`, { kind: 'endpoint', endpoint }, endpoint.labels);
    this.touchEndpoint(endpoint, 1, affected);
  }

  private uninstall(key: string, affected?: Affected): void {
    const id = this.endpointOf.get(key)!;
    const endpoint = this.endpoints.get(id)!;
    this.endpointOf.delete(key);
    this.endpoints.delete(id);
    for (const ip of endpoint.ips) {
      const owners = this.ipOwners.get(ip.text)!.filter((o) => o !== id);
      if (owners.length) this.ipOwners.set(ip.text, owners);
      else this.ipOwners.delete(ip.text);
    }
    this.indexes.members.delete(`e:${id}`);
    this.touchEndpoint(endpoint, -1, affected);
  }

  private touchEndpoint(endpoint: Endpoint, sign: 1 | -1, affected?: Affected): void {
    if (this.batch) return;
    forgetChains(this, endpoint);
    this.forgetSetsOf({ kind: 'endpoint', endpoint }, sign, affected);
    affected?.endpoints.add(endpoint.id);
  }

  private forgetSetsOf(member: Member, sign: 1 | -1, affected?: Affected): void {
    if (this.batch) return;
    affected?.members.push({ sign, member });
    const labels = member.kind === 'endpoint' ? member.endpoint.labels : member.set.labels;
    for (const key of forgetIpSetsMatching(this, labels)) affected?.selectors.add(key);
  }

  /**
   * Re-derives, in place, the endpoints a namespace, service account or profile change reaches:
   * the same inputs describe the same endpoints (ids, IPs) with new labels or profiles.
   */
  private rederiveEndpoints(match: (e: Endpoint) => boolean, affected?: Affected): void {
    if (this.batch) return;
    for (const [key, id] of this.endpointOf) {
      const endpoint = this.endpoints.get(id)!;
      if (!match(endpoint)) continue;
      const next = this.endpointFrom(this.inputs.get(key)!)!;
      this.endpoints.set(id, next);
      this.indexes.members.set(`e:${id}`, { kind: 'endpoint', endpoint: next }, next.labels);
      this.touchEndpoint(endpoint, -1, affected);
      this.touchEndpoint(next, 1, affected);
    }
  }

  private buildNodeViews(): void {
    const nodes = new Map<string, NodeInfo>();
    const ensure = (name: string) => {
      let info = nodes.get(name);
      if (!info) {
        const resource = this.nodeResources.get(name);
        info = { name, labels: resource?.labels ?? labelSet({}), internalIps: resource?.internalIps ?? [], hostEndpoints: [] };
        nodes.set(name, info);
      }
      return info;
    };
    for (const name of this.nodeResources.keys()) ensure(name);
    for (const endpoint of this.endpoints.values()) {
      if (!endpoint.node && endpoint.kind !== 'host') continue;
      const info = ensure(endpoint.node ?? '');
      if (endpoint.kind === 'host') info.hostEndpoints.push(endpoint.id);
    }
    for (const info of nodes.values()) info.hostEndpoints.sort();
    const byIp = new Map<string, NodeInfo>();
    for (const info of nodes.values()) for (const ip of info.internalIps) byIp.set(ip.text, info);
    this.nodeView = nodes;
    this.nodeIpView = byIp;
  }

  private rebuildService(slice: k8s.EndpointSlice, affected?: Affected): void {
    const namespace = slice.metadata.namespace ?? 'default';
    const service = slice.metadata.labels?.['kubernetes.io/service-name'];
    if (!service) return;
    const key = `${namespace}/${service}`;
    const info: ServiceInfo = { namespace, name: service, addresses: [], ports: [] };
    const slices = [...this.inputs.values()]
      .map((i) => i.resource)
      .filter((r): r is k8s.EndpointSlice => r.kind === 'EndpointSlice' && (r.metadata.namespace ?? 'default') === namespace && r.metadata.labels?.['kubernetes.io/service-name'] === service && r.addressType !== 'FQDN');
    for (const s of slices) {
      for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false) info.addresses.push(...ips(e.addresses));
      for (const p of s.ports ?? []) if (p.port) info.ports.push({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: PROTOCOL_NUMBERS[p.protocol ?? 'TCP'] });
    }
    if (slices.length) this.services.set(key, info);
    else this.services.delete(key);
    // Services are looked up when a rule is evaluated, so only the compiled sets depend on them.
    affected?.services.add(key);
  }

  // --- policies -------------------------------------------------------------------------------

  private policyFrom(input: SnapshotInput): PolicyInfo | undefined {
    const r = input.resource;
    const source = sourceRef(input);
    if (r.kind === 'NetworkPolicy' && r.apiVersion === 'projectcalico.org/v3') return this.policyInfo('NetworkPolicy', r.metadata, r.spec ?? {}, true, source);
    if (r.kind === 'GlobalNetworkPolicy') return this.policyInfo('GlobalNetworkPolicy', r.metadata, r.spec ?? {}, false, source);
    if (r.kind === 'NetworkPolicy') {
      const knp = r as k8s.KubernetesNetworkPolicy;
      return this.policyInfo('KubernetesNetworkPolicy', knp.metadata, convertKubernetesNetworkPolicy(knp).policy.spec ?? {}, true, source);
    }
    if (r.kind === 'ClusterNetworkPolicy') return this.policyInfo('ClusterNetworkPolicy', r.metadata, convertClusterNetworkPolicy(r).policy.spec ?? {}, false, source);
    if (r.kind === 'StagedNetworkPolicy' || r.kind === 'StagedGlobalNetworkPolicy' || r.kind === 'StagedKubernetesNetworkPolicy') {
      const { stagedAction, ...spec } = r.spec ?? {};
      if (stagedAction === 'Learn' || stagedAction === 'Ignore') return undefined; // no effect in Calico OSS
      const action = stagedAction === 'Delete' ? 'Delete' : 'Set';
      const namespaced = r.kind !== 'StagedGlobalNetworkPolicy';
      const enforcedType = r.kind === 'StagedNetworkPolicy' ? 'NetworkPolicy' : r.kind === 'StagedGlobalNetworkPolicy' ? 'GlobalNetworkPolicy' : 'KubernetesNetworkPolicy';
      const namespace = namespaced ? (r.metadata.namespace ?? 'default') : undefined;
      const replaces = `${enforcedType}/${namespace ? `${namespace}/` : ''}${r.metadata.name}`;
      const calicoSpec =
        r.kind === 'StagedKubernetesNetworkPolicy'
          ? (convertKubernetesNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: r.metadata, spec: spec as k8s.KubernetesNetworkPolicySpec }).policy.spec ?? {})
          : (spec as calico.GlobalNetworkPolicySpec);
      return this.policyInfo(r.kind, r.metadata, action === 'Delete' ? { ...(calicoSpec.tier ? { tier: calicoSpec.tier } : {}) } : calicoSpec, namespaced, source, { action, replaces });
    }
    return undefined;
  }

  private policyInfo(type: string, meta: { name: string; namespace?: string }, spec: calico.GlobalNetworkPolicySpec, namespaced: boolean, source: SourceRef, staged?: PolicyInfo['staged']): PolicyInfo {
    const namespace = namespaced ? (meta.namespace ?? 'default') : undefined;
    return {
      id: `${type}/${namespace ? `${namespace}/` : ''}${meta.name}`,
      type,
      name: meta.name,
      ...(namespace ? { namespace } : {}),
      tier: spec.tier ?? 'default',
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
    };
  }

  private addPolicy(key: string, policy: PolicyInfo, affected?: Affected): void {
    if (this.policyMap.has(policy.id)) return;
    this.policyMap.set(policy.id, policy);
    this.policyOf.set(key, policy.id);
    const tierMissing = !this.tierMap.has(policy.tier);
    if (tierMissing) this.tierMap.set(policy.tier, { name: policy.tier, defaultAction: 'Deny', missing: true });
    this.indexes.policies.set(policy.id, policy, policy.selector);
    if (policy.staged) this.indexes.staged++;
    if (this.batch) return;
    if (tierMissing) this.resort();
    else this.place(policy);
    this.touchPolicy(policy, affected);
    if (tierMissing && affected) affected.all = true;
  }

  private removePolicy(key: string, affected?: Affected): void {
    const id = this.policyOf.get(key);
    if (id === undefined) return;
    const policy = this.policyMap.get(id)!;
    this.policyOf.delete(key);
    this.policyMap.delete(id);
    this.indexes.policies.delete(id);
    if (policy.staged) this.indexes.staged--;
    // A tier that only this policy named disappears with it.
    const tier = this.tierMap.get(policy.tier);
    const tierGone = tier?.missing === true && ![...this.policyMap.values()].some((p) => p.tier === policy.tier);
    if (tierGone) {
      this.tierMap.delete(policy.tier);
      if (affected) affected.all = true;
    }
    if (this.batch) return;
    if (tierGone) this.resort();
    else this.unplace(policy);
    this.touchPolicy(policy, affected);
  }

  /** A policy changed: every endpoint it selects (before or after) needs its chains again. */
  private touchPolicy(policy: PolicyInfo, affected?: Affected): void {
    affected?.policies.add(policy.id);
    forgetGroupsOf(this, policy.id);
    for (const member of this.indexes.members.matching(policy.selector).values()) {
      if (member.kind !== 'endpoint') continue;
      forgetChains(this, member.endpoint);
      affected?.endpoints.add(member.endpoint.id);
    }
    // Staged policies change the pending view of the policies they replace.
    if (policy.staged) {
      const replaced = this.policyMap.get(policy.staged.replaces);
      if (replaced) this.touchPolicyEndpoints(replaced, affected);
    }
  }

  private touchPolicyEndpoints(policy: PolicyInfo, affected?: Affected): void {
    for (const member of this.indexes.members.matching(policy.selector).values()) {
      if (member.kind !== 'endpoint') continue;
      forgetChains(this, member.endpoint);
      affected?.endpoints.add(member.endpoint.id);
    }
  }

  /** Calico's evaluation order: tier, then order (unset last), then the name tie-break. */
  private readonly comparePolicies = (a: PolicyInfo, b: PolicyInfo): number => {
    const ta = this.tierRank.get(a.tier)! - this.tierRank.get(b.tier)!;
    if (ta !== 0) return ta;
    const oa = a.order ?? Number.POSITIVE_INFINITY;
    const ob = b.order ?? Number.POSITIVE_INFINITY;
    if (oa !== ob) return oa < ob ? -1 : 1;
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
  };

  /** Tiers and policies in Calico's evaluation order; ranks for the label index. */
  private resort(): void {
    this.sortedTiers = [...this.tierMap.values()].sort((a, b) => (a.missing !== b.missing ? (a.missing ? 1 : -1) : compareTiers(a, b)));
    this.tierRank = new Map(this.sortedTiers.map((t, i) => [t.name, i]));
    this.sortedPolicies = [...this.policyMap.values()].sort(this.comparePolicies);
    this.renumber(0);
  }

  /** One policy into its place (binary search), without sorting the rest again. */
  private place(policy: PolicyInfo): void {
    let lo = 0;
    let hi = this.sortedPolicies.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.comparePolicies(this.sortedPolicies[mid]!, policy) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.sortedPolicies.splice(lo, 0, policy);
    this.renumber(lo);
  }

  private unplace(policy: PolicyInfo): void {
    const at = this.indexes.rank.get(policy.id);
    if (at === undefined || this.sortedPolicies[at] !== policy) {
      this.resort();
      return;
    }
    this.sortedPolicies.splice(at, 1);
    this.indexes.rank.delete(policy.id);
    this.renumber(at);
  }

  private renumber(from: number): void {
    if (from === 0) this.indexes.rank.clear();
    for (let i = from; i < this.sortedPolicies.length; i++) this.indexes.rank.set(this.sortedPolicies[i]!.id, i);
  }
}

function failsafes(list: calico.ProtoPort[] | undefined): Failsafe[] | undefined {
  return list?.map((p) => {
    const net = p.net ? parseCidr(p.net, { allowBareIp: true }) : undefined;
    const protocol = (p.protocol ?? 'TCP').toUpperCase();
    return { protocol: protocol === 'UDP' ? 17 : protocol === 'SCTP' ? 132 : 6, port: p.port, ...(net ? { net } : {}) };
  });
}

/**
 * Builds the state a verdict needs from resources. Inconsistencies (two endpoints with one IP, a
 * policy in a tier nobody defined) are reported in `errors` with the documents and fields
 * involved; the snapshot is still usable.
 */
export function buildSnapshot(inputs: (SnapshotInput | Resource)[]): ClusterState {
  return ClusterState.from(inputs);
}
