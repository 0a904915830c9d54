// Flow accounting in the rendered ruleset: every Allow stamps its decision id on the connection,
// every drop is recorded (with the same matches) just before it, the ids map back to the rules'
// comments, and a ruleset rendered without flow logs carries none of it.
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../calc/cluster-state.js';
import { parseDocuments } from '../parse/documents.js';
import { compileNode } from './node-compiler.js';
import { describeCounter, renderNftables } from './nftables.js';
import { FlowDecisions } from './nftables-flows.js';

const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: n1-k8s-api-eth0, namespace: shop, labels: {app: api}}
spec: {orchestrator: k8s, node: n1, pod: api, endpoint: eth0, interfaceName: pala, ipNetworks: [10.0.0.2/32], profiles: [kns.shop]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  selector: app == 'api'
  ingress:
  - {action: Deny, protocol: UDP}
  - {action: Allow, protocol: TCP, destination: {ports: [8080]}}
`;
const ir = compileNode(buildSnapshot(parseDocuments(yaml).resources), 'n1');

describe('flow accounting in the nftables ruleset', () => {
  it('stamps allows, records drops before them, and maps every id back to its rule', () => {
    const flows = new FlowDecisions();
    const text = renderNftables(ir, { flows });
    for (const set of ['pal_flows4', 'pal_flows6', 'pal_flowsnp4', 'pal_denied4', 'pal_deniednp6']) expect(text).toContain(`set ${set} {`);
    const refs = flows.comments.map((c) => describeCounter(ir, c));
    expect(refs.every(Boolean)).toBe(true);
    const allowId = refs.findIndex((r) => r?.kind === 'rule' && r.owner === 'NetworkPolicy/shop/api-ingress' && r.rule === 1) + 1;
    const denyId = refs.findIndex((r) => r?.kind === 'rule' && r.owner === 'NetworkPolicy/shop/api-ingress' && r.rule === 0) + 1;
    expect(allowId).toBeGreaterThan(0);
    expect(denyId).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`meta l4proto 6 th dport \\{ 8080 \\} counter ct mark set ${allowId} meta mark set`));
    const lines = text.split('\n');
    const drop = lines.findIndex((l) => /meta l4proto 17 counter drop/.test(l));
    expect(lines[drop - 1]).toContain(`meta mark set ${denyId} update @pal_deniednp6`);
    expect(lines.slice(drop - 4, drop).every((l) => l.trim().startsWith('meta l4proto 17 meta nfproto'))).toBe(true);
    expect(refs.some((r) => r?.kind === 'end-of-tier')).toBe(true);
    // Established packets of allowed connections are counted before they are accepted.
    const forward = lines.findIndex((l) => l.includes('chain forward {'));
    expect(lines[forward + 2]).toContain('update @pal_flows4 { ip saddr . ip daddr . meta l4proto . th dport . ct mark }');
  });

  it('renders nothing of it without flow logs', () => {
    const text = renderNftables(ir);
    expect(text).not.toMatch(/pal_flows|pal_denied|ct mark/);
  });
});
