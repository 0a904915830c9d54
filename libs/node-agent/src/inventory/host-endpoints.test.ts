// A node's interfaces as host endpoints: loopback and link-local addresses left out, only the
// interfaces asked for, every resulting resource valid as the node's inventory.
import { describe, expect, it } from 'vitest';
import type { NetworkInterfaceInfo } from 'node:os';
import { hostEndpointsFromInterfaces } from './host-endpoints.js';
import { inventoryProblem } from './node-inventory.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal, netmask: '', mac: '', cidr: null }) as unknown as NetworkInterfaceInfo;
const interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true)],
  eth0: [nic('192.0.2.10', 'IPv4'), nic('fe80::1', 'IPv6'), nic('2001:db8::10', 'IPv6')],
  eth1: [nic('198.51.100.7', 'IPv4')],
};

describe('host endpoints from the node interfaces', () => {
  it('reports every interface but loopback with its routable addresses', () => {
    const heps = hostEndpointsFromInterfaces('node-1', { interfaces: ['*'], labels: { role: 'worker' } }, interfaces);
    expect(heps.map((h) => (h as unknown as { spec: unknown }).spec)).toEqual([
      { node: 'node-1', interfaceName: 'eth0', expectedIPs: ['192.0.2.10', '2001:db8::10'] },
      { node: 'node-1', interfaceName: 'eth1', expectedIPs: ['198.51.100.7'] },
    ]);
    expect(heps[0]!.metadata).toEqual({ name: 'node-1-eth0', labels: { 'palisade.dev/node': 'node-1', role: 'worker' } });
    expect(inventoryProblem('node-1', heps)).toBeUndefined();
  });

  it('reports only the interfaces named', () => {
    expect(hostEndpointsFromInterfaces('node-1', { interfaces: ['eth1'] }, interfaces).map((h) => h.metadata.name)).toEqual(['node-1-eth1']);
  });
});
