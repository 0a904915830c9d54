// The rendered ruleset leaves out rules that cannot match (an address they need is in an empty
// set), splits a side that lists both port numbers and named ports (Calico ORs them, one nft rule
// would AND them), and an incremental update is refused when a set becomes empty or stops being
// empty, since that adds or removes rules.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../calc/cluster-state.js';
import { parseDocuments } from '../parse/documents.js';
import { emptyDiff, type IrDiff } from './ir-diff.js';
import { compileNode } from './node-compiler.js';
import { renderNftables, renderNftablesUpdate } from './nftables.js';

const wep = (pod: string, ip: string, role: string, node = 'n1', ports = '') => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: ${node}-k8s-${pod}-eth0, namespace: shop, labels: {role: ${role}}}
spec: {orchestrator: k8s, node: ${node}, pod: ${pod}, endpoint: eth0, interfaceName: pal${pod}, ipNetworks: [${ip}/32], profiles: [kns.shop]${ports}}
`;
const policy = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: role == 'db'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: role == 'api'}, destination: {ports: [5432, metrics]}}
`;
const ir = (...extra: string[]) => compileNode(buildSnapshot(parseDocuments(['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n', policy, ...extra].join('---\n')).resources), 'n1');
const db = wep('db', '10.0.0.5', 'db', 'n1', ', ports: [{name: metrics, protocol: TCP, port: 9187}]');
const chainOf = (text: string) => text.split('\n').filter((l) => l.includes('comment "pal|pi-'));

describe('renderNftables', () => {
  it('leaves out a rule whose source set is empty, for that family', () => {
    expect(chainOf(renderNftables(ir(db)))).toEqual([]);
    const lines = chainOf(renderNftables(ir(db, wep('api', '10.0.0.9', 'api', 'n2'))));
    // IPv4 only: the IPv6 twins would need an address in the empty IPv6 set.
    expect(lines.every((l) => l.includes(' ip saddr @s4-'))).toBe(true);
    // 5432 and the named port are alternatives: two rules.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('th dport { 5432 }');
    expect(lines[0]).not.toContain('. meta l4proto . th dport @');
    expect(lines[1]).toContain('ip daddr . meta l4proto . th dport @');
    expect(lines[1]).not.toContain('5432');
  });
});

describe('renderNftablesUpdate', () => {
  const none = ir(db);
  const one = ir(db, wep('api', '10.0.0.9', 'api', 'n2'));
  const two = ir(db, wep('api', '10.0.0.9', 'api', 'n2'), wep('api2', '10.0.0.10', 'api', 'n3'));
  const apiSet = Object.values(one.ipSets).find((s) => s.family === 4 && s.members.includes('10.0.0.9/32'))!.id;
  const moved = (add: string[], remove: string[]): IrDiff => {
    const diff = emptyDiff('n1');
    diff.ipSets.members.push({ id: apiSet, add, remove });
    return diff;
  };
  it('adds a member to a set that had members', () => {
    expect(renderNftablesUpdate(moved(['10.0.0.10/32'], []), two)).toBe(`add element inet palisade ${apiSet} { 10.0.0.10/32 }\n`);
    expect(renderNftablesUpdate(moved([], ['10.0.0.10/32']), one)).toBe(`delete element inet palisade ${apiSet} { 10.0.0.10/32 }\n`);
  });
  it('refuses when a set stops being empty, or becomes empty', () => {
    expect(renderNftablesUpdate(moved(['10.0.0.9/32'], []), one)).toBeUndefined();
    expect(renderNftablesUpdate(moved([], ['10.0.0.9/32']), none)).toBeUndefined();
  });
});
