import { LabelIndex } from '../labelindex/label-index.js';
import type { Affected } from '../snapshot/affected.js';
import type { Endpoint, Member, PolicyInfo, SnapshotError } from '../snapshot/types.js';
import { endpointFrom, type EndpointContext } from './endpoint-from.js';
import { EndpointCalculator } from './endpoints.js';
import { FelixCalculator } from './felix.js';
import { IdentityLabels } from './identities.js';
import { InputStore, keyOf, type SnapshotInput } from './inputs.js';
import { NetworkSetCalculator } from './network-sets.js';
import { NodeCalculator } from './nodes.js';
import { PolicyCalculator } from './policies.js';
import { policyFrom } from './policy-from.js';
import { PolicyOrder } from './policy-order.js';
import { ProfileCalculator } from './profiles.js';
import { ServiceCalculator } from './services.js';
import { sortedEntries } from './dump.js';
import { parseSelector } from '../selector/selector.js';

const EVERYTHING = parseSelector('all()');

// The endpoints a change to a namespace, service account or profile reaches.
const workloadsIn = (namespace: string) => (e: Endpoint) => e.kind === 'workload' && e.namespace === namespace;
const runningAs = (account: { metadata: { name: string; namespace?: string | undefined } }) => (e: Endpoint) =>
  e.namespace === (account.metadata.namespace ?? 'default') && e.serviceAccount === account.metadata.name;
const withProfile = (profile: string) => (e: Endpoint) => e.profiles.includes(profile);

/**
 * The calculation graph: every calculator of the state, and the one place that knows which
 * resource kind feeds which calculator and in what order one change flows through them (as
 * Felix's calc_graph.go wires its calculators).
 *
 *   Namespace, ServiceAccount ──▶ IdentityLabels ──┐ (re-derive the endpoints they reach)
 *                 namespaces come and go ─▼         │
 *   Profile ────────────────────▶ ProfileCalculator ┤
 *   Pod, WorkloadEndpoint, HostEndpoint ───────────▶ EndpointCalculator ──▶ label index (members)
 *   NetworkSet, GlobalNetworkSet ──────────────────▶ NetworkSetCalculator ─▶ label index (members)
 *   Node ───────────────────────▶ NodeCalculator (+ endpoints' nodes)
 *   EndpointSlice ──────────────▶ ServiceCalculator
 *   policies of every kind ─────▶ policyFrom ──▶ PolicyCalculator ──▶ PolicyOrder (+ Tier)
 *   FelixConfiguration ─────────▶ FelixCalculator
 *
 * Each calculator records what it touched in the change's `Affected`; the state hands that to
 * the evaluator's caches and the node compilers. `affected` is undefined while a state is built in
 * one go, when nothing is cached and the order is sorted once at the end.
 */
export class CalculationGraph {
  readonly inputs = new InputStore();
  /** Selector → endpoints and network sets. */
  readonly members = new LabelIndex<Member>();
  readonly profiles = new ProfileCalculator();
  readonly identities = new IdentityLabels((namespace, exists) => this.profiles.namespaceExists(namespace, exists));
  readonly endpoints: EndpointCalculator;
  readonly nodes: NodeCalculator;
  readonly networkSets: NetworkSetCalculator;
  readonly services = new ServiceCalculator();
  readonly policies: PolicyCalculator;
  readonly order: PolicyOrder;
  readonly felix = new FelixCalculator();

  constructor() {
    const context: EndpointContext = {
      namespaceLabels: (namespace) => this.identities.namespaceLabels(namespace),
      serviceAccountLabels: (namespace, name) => this.identities.serviceAccountLabels(namespace, name),
      profileLabels: (names) => this.profiles.labelsToApply(names),
    };
    // A workload endpoint keeps its namespace in existence, and with it the namespace's profile.
    const presence = {
      joined: (e: Endpoint) => {
        if (e.kind === 'workload') this.identities.workloadJoined(e.namespace!);
      },
      left: (e: Endpoint) => {
        if (e.kind === 'workload') this.identities.workloadLeft(e.namespace!);
      },
    };
    this.endpoints = new EndpointCalculator(this.inputs, this.members, (input) => endpointFrom(input, context), presence);
    this.nodes = new NodeCalculator(this.endpoints.endpoints);
    this.networkSets = new NetworkSetCalculator(this.members);
    const byId = new Map<string, PolicyInfo>();
    this.order = new PolicyOrder(byId);
    this.policies = new PolicyCalculator(this.order, this.members, byId);
  }

  /** Kinds whose resources others inherit from go first in a full build. */
  static buildRank(input: SnapshotInput): number {
    const kind = input.resource.kind;
    return kind === 'Namespace' || kind === 'ServiceAccount' || kind === 'Profile' || kind === 'Tier' ? 0 : 1;
  }

  /** Stores a resource (replacing the one with its key) and derives what it stands for. `age` restores an undone change's. */
  put(input: SnapshotInput, affected?: Affected, age?: number): void {
    const key = keyOf(input.resource);
    if (this.inputs.has(key)) this.remove(key, affected, true);
    this.inputs.set(key, input, age);
    this.derive(key, input, affected);
  }

  remove(key: string, affected?: Affected, replacing = false): void {
    const input = this.inputs.get(key);
    if (!input) return;
    this.inputs.delete(key);
    this.underive(key, input, affected, replacing);
  }

  /** After a build in one go. */
  finishBuild(): void {
    this.order.resort();
  }

  /** Views derived on use (endpoints by IP, nodes) are recomputed after a change. */
  changed(): void {
    this.endpoints.changed();
    this.nodes.changed();
  }

  /** Every calculator's content in a canonical order, by calculator: two graphs that hold the same state dump equal. */
  dump(): Record<string, unknown> {
    const members = sortedEntries(this.members.matching(EVERYTHING)).map(([id, m]) => [id, m.kind === 'endpoint' ? m.endpoint.labels : m.set.labels]);
    return {
      inputs: [...this.inputs.keys()].sort(),
      identities: this.identities.dump(),
      profiles: this.profiles.dump(),
      endpoints: this.endpoints.dump(),
      members,
      nodes: this.nodes.dump(),
      networkSets: this.networkSets.dump(),
      services: this.services.dump(),
      policies: this.policies.dump(),
      order: this.order.dump(),
      felix: this.felix.dump(),
    };
  }

  errors(): SnapshotError[] {
    const errors = this.endpoints.errors();
    for (const policy of this.order.policies) {
      if (this.order.tier(policy.tier)?.missing) {
        errors.push({
          message: `${policy.type} ${policy.namespace ? `${policy.namespace}/` : ''}${policy.name} is in tier ${JSON.stringify(policy.tier)}, which no Tier resource defines`,
          refs: [{ ...policy.source, field: 'spec.tier' }],
        });
      }
    }
    return errors;
  }

  private derive(key: string, input: SnapshotInput, affected?: Affected): void {
    const r = input.resource;
    switch (r.kind) {
      case 'Namespace':
        this.identities.setNamespace(r);
        this.endpoints.rederive(workloadsIn(r.metadata.name), affected);
        return;
      case 'ServiceAccount':
        this.identities.setServiceAccount(r);
        this.endpoints.rederive(runningAs(r), affected);
        return;
      case 'Profile':
        this.profiles.set(r);
        affected?.profiles.add(r.metadata.name);
        this.endpoints.rederive(withProfile(r.metadata.name), affected);
        return;
      case 'Pod':
      case 'WorkloadEndpoint':
      case 'HostEndpoint':
        this.endpoints.claim(key, input, affected);
        return;
      case 'Node':
        this.nodes.set(r);
        return;
      case 'NetworkSet':
      case 'GlobalNetworkSet':
        this.networkSets.set(key, { ...input, resource: r }, affected);
        return;
      case 'EndpointSlice':
        this.services.set(key, r, affected);
        return;
      case 'Tier':
        this.order.setTier(r);
        this.nodeWide(affected);
        return;
      case 'FelixConfiguration':
        this.felix.set(r);
        this.nodeWide(affected);
        return;
      default: {
        const policy = policyFrom(input);
        if (policy) this.policies.add(key, policy, affected);
      }
    }
  }

  /** `replacing`: a new version of the resource follows at once, and derive() overwrites what it can. */
  private underive(key: string, input: SnapshotInput, affected: Affected | undefined, replacing: boolean): void {
    const r = input.resource;
    switch (r.kind) {
      case 'Namespace':
        if (replacing) return;
        this.identities.deleteNamespace(r.metadata.name);
        this.endpoints.rederive(workloadsIn(r.metadata.name), affected);
        return;
      case 'ServiceAccount':
        if (replacing) return;
        this.identities.deleteServiceAccount(r);
        this.endpoints.rederive(runningAs(r), affected);
        return;
      case 'Profile':
        if (replacing) return;
        this.profiles.delete(r.metadata.name);
        affected?.profiles.add(r.metadata.name);
        this.endpoints.rederive(withProfile(r.metadata.name), affected);
        return;
      case 'Pod':
      case 'WorkloadEndpoint':
      case 'HostEndpoint':
        this.endpoints.release(key, input, affected);
        return;
      case 'Node':
        this.nodes.delete(r.metadata.name);
        return;
      case 'NetworkSet':
      case 'GlobalNetworkSet':
        this.networkSets.delete(key, affected);
        return;
      case 'EndpointSlice':
        this.services.delete(key, r, affected);
        return;
      case 'Tier':
        this.order.deleteTier(r.metadata.name, () => this.policies.namesTier(r.metadata.name));
        this.nodeWide(affected);
        return;
      case 'FelixConfiguration':
        this.felix.delete(r.metadata.name);
        this.nodeWide(affected);
        return;
      default:
        this.policies.remove(key, affected);
    }
  }

  /** Tiers and Felix settings reach every endpoint on every node. */
  private nodeWide(affected: Affected | undefined): void {
    if (!affected) return;
    this.order.resort();
    affected.all = true;
  }
}
