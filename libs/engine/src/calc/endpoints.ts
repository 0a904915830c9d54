import type { LabelIndex } from '../labelindex/label-index.js';
import type { Affected } from '../snapshot/affected.js';
import type { Endpoint, Member, SnapshotError } from '../snapshot/types.js';
import { sourceRef, type InputStore, type SnapshotInput } from './inputs.js';
import { sortedEntries } from './dump.js';

/**
 * Endpoints from the Pods, WorkloadEndpoints and HostEndpoints that describe them. Two inputs
 * may describe one endpoint, and two endpoints may claim one IP: the older input wins both ways,
 * and the others wait in line (reported in `errors`), taking over when the winner goes. Endpoints
 * join the label index, where policies and IP sets find them.
 *
 * `affected` is undefined while a state is built in one go: nothing is cached yet, so nothing
 * needs reporting.
 */
export class EndpointCalculator {
  readonly endpoints = new Map<string, Endpoint>();
  /** Input key → id of the endpoint it describes (when it is the one in force). */
  private readonly endpointOf = new Map<string, string>();
  /** Endpoint id → input keys describing it, earliest first; the first is in force. */
  private readonly claims = new Map<string, string[]>();
  /** IP → endpoint ids that have it, by the age of their input. */
  private readonly ipOwners = new Map<string, string[]>();
  private ipView: Map<string, Endpoint> | undefined;

  constructor(
    private readonly inputs: InputStore,
    private readonly members: LabelIndex<Member>,
    private readonly derive: (input: SnapshotInput) => Endpoint | undefined,
    /** Hears an endpoint come into force or go. */
    private readonly presence: { joined(endpoint: Endpoint): void; left(endpoint: Endpoint): void },
  ) {}

  /** The endpoint that owns each IP (the oldest claimant). */
  get byIp(): ReadonlyMap<string, Endpoint> {
    if (!this.ipView) {
      this.ipView = new Map();
      for (const [ip, owners] of this.ipOwners) this.ipView.set(ip, this.endpoints.get(owners[0]!)!);
    }
    return this.ipView;
  }

  /** An input describes an endpoint: it is in force unless an older input describes the same one. */
  claim(key: string, input: SnapshotInput, affected?: Affected): void {
    const endpoint = this.derive(input);
    if (!endpoint) return;
    const keys = this.claims.get(endpoint.id);
    if (keys) {
      // Newer than every claimant (its age is the latest): shadowed, reported in errors.
      keys.push(key);
      return;
    }
    this.claims.set(endpoint.id, [key]);
    this.install(key, endpoint, affected);
  }

  release(key: string, input: SnapshotInput, affected?: Affected): void {
    const id = this.endpointOf.get(key) ?? this.derive(input)?.id;
    if (id === undefined) return;
    const keys = (this.claims.get(id) ?? []).filter((k) => k !== key);
    if (keys.length) this.claims.set(id, keys);
    else this.claims.delete(id);
    if (this.endpointOf.get(key) !== id) return; // it was shadowed
    this.uninstall(key, affected);
    // The next oldest description of the endpoint takes over.
    const next = keys[0];
    if (next !== undefined) {
      const endpoint = this.derive(this.inputs.get(next)!);
      if (endpoint) this.install(next, endpoint, affected);
    }
  }

  /**
   * Re-derives, in place, the endpoints a namespace, service account or profile change reaches:
   * the same inputs describe the same endpoints (ids, IPs) with new labels or profiles.
   */
  rederive(match: (e: Endpoint) => boolean, affected?: Affected): void {
    if (!affected) return; // built in one go: identities and profiles come before endpoints
    for (const [key, id] of this.endpointOf) {
      const endpoint = this.endpoints.get(id)!;
      if (!match(endpoint)) continue;
      const next = this.derive(this.inputs.get(key)!)!;
      this.endpoints.set(id, next);
      this.members.set(`e:${id}`, { kind: 'endpoint', endpoint: next }, next.labels);
      touch(endpoint, -1, affected);
      touch(next, 1, affected);
    }
  }

  /** Views computed from the endpoints are recomputed on next use. */
  changed(): void {
    this.ipView = undefined;
  }

  errors(): SnapshotError[] {
    const errors: SnapshotError[] = [];
    // In a fixed order: Map order follows the history of changes, which a full build does not share.
    for (const [id, keys] of sortedEntries(this.claims)) {
      for (const other of keys.slice(1)) errors.push({ message: `two endpoints are named ${id}`, refs: [sourceRef(this.inputs.get(keys[0]!)!), sourceRef(this.inputs.get(other)!)] });
    }
    const field = (e: Endpoint) => (e.source.type === 'Pod' ? 'status.podIP' : e.kind === 'host' ? 'spec.expectedIPs' : 'spec.ipNetworks');
    for (const [ip, owners] of sortedEntries(this.ipOwners)) {
      for (const other of owners.slice(1)) {
        const a = this.endpoints.get(owners[0]!)!;
        const b = this.endpoints.get(other)!;
        errors.push({
          message: `${a.id} and ${b.id} both have IP ${ip}`,
          refs: [
            { ...a.source, field: field(a) },
            { ...b.source, field: field(b) },
          ],
        });
      }
    }
    return errors;
  }

  private install(key: string, endpoint: Endpoint, affected?: Affected): void {
    this.endpoints.set(endpoint.id, endpoint);
    this.endpointOf.set(key, endpoint.id);
    const age = this.inputs.ageOf(key);
    const ageOf = (id: string) => this.inputs.ageOf(this.claims.get(id)![0]!);
    for (const ip of endpoint.ips) {
      const owners = this.ipOwners.get(ip.text);
      if (!owners) this.ipOwners.set(ip.text, [endpoint.id]);
      else {
        let at = owners.length;
        while (at > 0 && ageOf(owners[at - 1]!) > age) at--;
        owners.splice(at, 0, endpoint.id);
      }
    }
    this.members.set(`e:${endpoint.id}`, { kind: 'endpoint', endpoint }, endpoint.labels);
    this.presence.joined(endpoint);
    touch(endpoint, 1, affected);
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
    this.members.delete(`e:${id}`);
    this.presence.left(endpoint);
    touch(endpoint, -1, affected);
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return { endpoints: sortedEntries(this.endpoints), byIp: sortedEntries(this.byIp).map(([ip, e]) => [ip, e.id]), errors: this.errors() };
  }
}

/** An endpoint left (-1) or joined (+1): its chains and the IP sets that select it are stale. */
function touch(endpoint: Endpoint, sign: 1 | -1, affected?: Affected): void {
  if (!affected) return;
  affected.members.push({ sign, member: { kind: 'endpoint', endpoint } });
  affected.endpoints.add(endpoint.id);
}
