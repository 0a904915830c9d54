import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Resource } from '@palisade/engine';

export interface HostEndpointSettings {
  /** Interfaces to report as host endpoints: names, or "*" for every one but loopback. */
  interfaces: readonly string[];
  labels?: Record<string, string>;
}

/**
 * This node's own interfaces as HostEndpoints (Calico's automatic host endpoints): one per
 * interface with its addresses as expectedIPs, labelled so policy can select the node's host side.
 */
export function hostEndpointsFromInterfaces(node: string, settings: HostEndpointSettings, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): Resource[] {
  const all = settings.interfaces.includes('*');
  const out: Resource[] = [];
  for (const [name, addresses] of Object.entries(interfaces).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!addresses || (!all && !settings.interfaces.includes(name))) continue;
    const ips = addresses.filter((a) => !a.internal && !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:'))).map((a) => a.address);
    if (!ips.length) continue;
    out.push({
      apiVersion: 'projectcalico.org/v3',
      kind: 'HostEndpoint',
      metadata: { name: `${node}-${name}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-'), labels: { 'palisade.dev/node': node, ...settings.labels } },
      spec: { node, interfaceName: name, expectedIPs: ips },
    } as unknown as Resource);
  }
  return out;
}
