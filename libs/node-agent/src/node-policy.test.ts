// A release change applied by its differences gives exactly the IR of building the new release
// from scratch, for policy edits, removals, additions, a new tier and a changed network set.
import { describe, expect, it } from 'vitest';
import { keyOf } from '@palisade/engine';
import { ClusterInventory } from './inventory/cluster-inventory.js';
import { NodePolicy } from './node-policy.js';
import { namespace, resources, workload } from './test-support/fixtures.js';

const inventory = new ClusterInventory();
inventory.replace('n1', resources([namespace('shop'), workload('n1', 'db-0', '10.1.0.5', { role: 'db' }), workload('n1', 'web-0', '10.1.0.6', { role: 'web' })].join('---\n')));
inventory.replace('n2', resources([namespace('shop'), workload('n2', 'api-0', '10.1.1.5', { role: 'api' })].join('---\n')));

const gnp = (name: string, selector: string, port: number, extra = '') => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec:
  selector: ${selector}${extra}
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: role == 'api'}
    destination: {ports: [${port}]}
`;
const netset = (cidr: string) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners, labels: {kind: partner}}
spec: {nets: [${cidr}]}
`;
const A = resources([gnp('db-in', "role == 'db'", 5432), gnp('web-in', "role == 'web'", 80), netset('192.0.2.0/24')].join('---\n'));
const B = resources(
  [
    gnp('db-in', "role == 'db'", 6432),
    gnp('api-in', "role == 'api'", 8080),
    'apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 50}\n',
    gnp('security.lock', 'all()', 22, '\n  tier: security'),
    netset('198.51.100.0/24'),
  ].join('---\n'),
);

describe('NodePolicy.releaseChanged', () => {
  it('equals a fresh build of the new release, both ways', () => {
    for (const [from, to] of [
      [A, B],
      [B, A],
    ] as const) {
      const moved = new NodePolicy('n1', 'from', from, inventory);
      const before = JSON.stringify(moved.ir());
      const diffs = moved.releaseChanged('to', to);
      expect(diffs.length).toBeGreaterThan(0);
      expect(moved.release).toBe('to');
      expect(JSON.stringify(moved.ir())).not.toBe(before);
      expect(moved.ir()).toEqual(new NodePolicy('n1', 'to', to, inventory).ir());
    }
  });

  it('touches nothing for resources that did not change', () => {
    const policy = new NodePolicy('n1', 'a', A, inventory);
    const same = A.map((r) => JSON.parse(JSON.stringify(r)) as typeof r).sort((x, y) => (keyOf(x) < keyOf(y) ? 1 : -1));
    expect(policy.releaseChanged('a2', same)).toEqual([]);
  });
});
