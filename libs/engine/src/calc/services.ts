import type * as k8s from '../model/kubernetes.js';
import { PROTOCOL_NUMBERS } from '../numorstring/index.js';
import type { Affected } from '../snapshot/affected.js';
import type { ServiceInfo } from '../snapshot/types.js';
import { ipsOf } from './endpoint-from.js';
import { sortedEntries } from './dump.js';

const serviceOf = (slice: k8s.EndpointSlice): string | undefined => {
  const name = slice.metadata.labels?.['kubernetes.io/service-name'];
  return name === undefined ? undefined : `${slice.metadata.namespace ?? 'default'}/${name}`;
};

/**
 * Services ("namespace/name") as their EndpointSlices describe them: the ready addresses and the
 * ports. Rules that name a service are evaluated against this; only the compiled sets depend on
 * it, so a change reports the service, not endpoints.
 */
export class ServiceCalculator {
  readonly services = new Map<string, ServiceInfo>();
  /** Service → its slices by input key, in the order they were last written. */
  private readonly slices = new Map<string, Map<string, k8s.EndpointSlice>>();

  set(key: string, slice: k8s.EndpointSlice, affected?: Affected): void {
    const service = serviceOf(slice);
    if (service === undefined) return;
    let slices = this.slices.get(service);
    if (!slices) this.slices.set(service, (slices = new Map()));
    slices.delete(key);
    // FQDN slices name hosts, not addresses: Calico does not use them.
    if (slice.addressType !== 'FQDN') slices.set(key, slice);
    this.rebuild(service, affected);
  }

  /** Also when the slice is replaced: its new version may belong to another service. */
  delete(key: string, slice: k8s.EndpointSlice, affected?: Affected): void {
    const service = serviceOf(slice);
    if (service === undefined) return;
    this.slices.get(service)?.delete(key);
    this.rebuild(service, affected);
  }

  private rebuild(key: string, affected?: Affected): void {
    const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    const slices = this.slices.get(key);
    if (!slices?.size) {
      this.slices.delete(key);
      this.services.delete(key);
    } else {
      const info: ServiceInfo = { namespace, name, addresses: [], ports: [] };
      for (const s of slices.values()) {
        for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false) info.addresses.push(...ipsOf(e.addresses));
        for (const p of s.ports ?? []) if (p.port) info.ports.push({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: PROTOCOL_NUMBERS[p.protocol ?? 'TCP'] });
      }
      this.services.set(key, info);
    }
    affected?.services.add(key);
  }

  /** What this calculator holds, in a canonical order (to compare states). */
  dump(): unknown {
    return sortedEntries(this.services);
  }
}
