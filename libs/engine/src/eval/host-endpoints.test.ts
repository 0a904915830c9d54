// Felix's behaviour at host endpoints, as its functional tests pin it (felix/fv do-not-track and
// all-interfaces host endpoint tests): untracked Allow policy lets a connection skip the tracked
// stages of the endpoint that allowed it, and pre-DNAT policy on an all-interfaces ("*") host
// endpoint also sees a node's own workloads reaching that host.
import { describe, expect, it } from 'vitest';
import { evaluateFlow } from './flow.js';
import { namespace, node, pod, snapshotOf } from './test-support/snapshots.js';

const hep = (name: string, nodeName: string, ip: string, iface: string) =>
  `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${name}, labels: {host-endpoint: 'true', hostname: ${nodeName}}}\nspec: {node: ${nodeName}, interfaceName: '${iface}', expectedIPs: [${ip}]}\n`;
const gnp = (name: string, body: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${body}`;

const hosts = [node('node-1', '192.168.0.1'), node('node-2', '192.168.0.2'), hep('h1', 'node-1', '192.168.0.1', 'eth0'), hep('h2', 'node-2', '192.168.0.2', 'eth0')];
// Both directions, as the fv test writes them: each host may send to and receive from the other.
const untrackedBothWays = gnp(
  'untracked-hosts',
  `  selector: has(host-endpoint)\n  doNotTrack: true\n  applyOnForward: true\n  order: 10\n  ingress: [{action: Allow, source: {nets: [192.168.0.0/24]}}]\n  egress: [{action: Allow, destination: {nets: [192.168.0.0/24]}}]\n`,
);

describe('untracked (doNotTrack) policy between two hosts', () => {
  it('lets the connection through although no tracked policy allows it (host endpoints deny by default)', () => {
    const snapshot = snapshotOf(...hosts, untrackedBothWays);
    const result = evaluateFlow(snapshot, { from: 'host:node-1', to: 'host:node-2', protocol: 'TCP', port: 8055 });
    expect(result.allowed).toBe(true);
    // Only untracked stages decided, for the request and for the reply; no tracked stage ran.
    expect(result.stages.map((s) => `${s.endpoint}:${s.direction}:${s.stage}:${s.verdict}`)).toEqual(['hep:node-1/h1:egress:doNotTrack:allow', 'hep:node-2/h2:ingress:doNotTrack:allow']);
    expect(result.replyStages?.map((s) => `${s.endpoint}:${s.direction}:${s.stage}:${s.verdict}`)).toEqual(['hep:node-1/h1:ingress:doNotTrack:allow', 'hep:node-2/h2:egress:doNotTrack:allow']);
  });

  it('lets it through although a tracked policy on the same endpoints denies it', () => {
    const trackedDeny = gnp('tracked-deny', `  selector: has(host-endpoint)\n  ingress: [{action: Deny}]\n  egress: [{action: Deny}]\n`);
    const snapshot = snapshotOf(...hosts, untrackedBothWays, trackedDeny);
    expect(evaluateFlow(snapshot, { from: 'host:node-1', to: 'host:node-2', protocol: 'TCP', port: 8055 }).allowed).toBe(true);
    expect(evaluateFlow(snapshot, { from: 'host:node-2', to: 'host:node-1', protocol: 'UDP', port: 53 }).allowed).toBe(true);
    // Without the untracked policy the tracked one decides.
    const tracked = snapshotOf(...hosts, trackedDeny);
    expect(evaluateFlow(tracked, { from: 'host:node-1', to: 'host:node-2', protocol: 'TCP', port: 8055 }).deniedAt).toMatchObject({ endpoint: 'hep:node-1/h1', stage: 'normal' });
  });

  it('still needs the reply allowed: written for one direction only, the reply meets the tracked policy', () => {
    const oneWay = gnp(
      'untracked-out',
      `  selector: has(host-endpoint)\n  doNotTrack: true\n  applyOnForward: true\n  egress: [{action: Allow, destination: {nets: [192.168.0.0/24]}}]\n  ingress: [{action: Allow, source: {nets: [192.168.0.0/24]}, destination: {ports: [8055]}, protocol: TCP}]\n`,
    );
    const result = evaluateFlow(snapshotOf(...hosts, oneWay), { from: 'host:node-1', to: 'host:node-2', protocol: 'TCP', port: 8055, sourcePort: 40000 });
    // The reply (port 8055 → 40000) is not untracked at node-1's ingress, so host policy (none: deny) judges it.
    expect(result.allowed).toBe(false);
    expect(result.deniedAt).toMatchObject({ endpoint: 'hep:node-1/h1', direction: 'ingress', stage: 'normal' });
  });
});

describe('pre-DNAT policy on an all-interfaces host endpoint', () => {
  const base = [namespace('default'), node('node-1', '192.168.0.1'), hep('all', 'node-1', '192.168.0.1', '*'), pod('default', 'w0', '10.65.0.2', { app: 'w' })];
  const preDnatDeny = gnp(
    'prednat-deny',
    `  selector: has(host-endpoint)\n  preDNAT: true\n  applyOnForward: true\n  order: 20\n  ingress: [{action: Deny, protocol: TCP, destination: {ports: [8055]}}]\n`,
  );

  for (const action of ['Accept', 'Drop', 'Return'] as const) {
    it(`stops the node's own workloads reaching the host, with defaultEndpointToHostAction ${action}`, () => {
      const felix = `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {defaultEndpointToHostAction: ${action}}\n`;
      const snapshot = snapshotOf(...base, preDnatDeny, felix);
      const result = evaluateFlow(snapshot, { from: 'default/w0', to: 'host:node-1', protocol: 'TCP', port: 8055 });
      expect(result.allowed).toBe(false);
      expect(result.deniedAt).toMatchObject({
        endpoint: 'hep:node-1/all',
        direction: 'ingress',
        stage: 'preDNAT',
        decidedBy: { kind: 'rule', policy: 'GlobalNetworkPolicy/prednat-deny', action: 'Deny' },
      });
      // Ports the pre-DNAT policy does not deny are decided as before.
      expect(evaluateFlow(snapshot, { from: 'default/w0', to: 'host:node-1', protocol: 'TCP', port: 9000 }).allowed).toBe(action === 'Accept' ? true : false);
    });
  }

  it('also stops what the workloads send on, to other nodes (every packet from a workload interface crosses it)', () => {
    const twoNodes = [...base, node('node-2', '192.168.0.2'), pod('default', 'w1', '10.65.1.2', { app: 'w' }, { node: 'node-2' })];
    const snapshot = snapshotOf(...twoNodes, preDnatDeny);
    expect(evaluateFlow(snapshot, { from: 'default/w0', to: 'default/w1', protocol: 'TCP', port: 8055 }).deniedAt).toMatchObject({ endpoint: 'hep:node-1/all', stage: 'preDNAT' });
    expect(evaluateFlow(snapshot, { from: 'default/w0', to: 'default/w1', protocol: 'TCP', port: 9000 }).allowed).toBe(true);
  });

  it('does not apply to a host endpoint named for one interface (workload traffic does not arrive on it)', () => {
    const named = [namespace('default'), node('node-1', '192.168.0.1'), hep('eth0', 'node-1', '192.168.0.1', 'eth0'), pod('default', 'w0', '10.65.0.2', { app: 'w' })];
    const felix = `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {defaultEndpointToHostAction: Accept}\n`;
    expect(evaluateFlow(snapshotOf(...named, preDnatDeny, felix), { from: 'default/w0', to: 'host:node-1', protocol: 'TCP', port: 8055 }).allowed).toBe(true);
  });

  it('lets an explicit pre-DNAT Allow through to the workload egress and endpoint-to-host stages, which still decide', () => {
    const preDnatAllow = gnp('prednat-allow', `  selector: has(host-endpoint)\n  preDNAT: true\n  applyOnForward: true\n  ingress: [{action: Allow}]\n`);
    const felix = `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {defaultEndpointToHostAction: Drop}\n`;
    const result = evaluateFlow(snapshotOf(...base, preDnatAllow, felix), { from: 'default/w0', to: 'host:node-1', protocol: 'TCP', port: 8055 });
    expect(result.allowed).toBe(false);
    expect(result.deniedAt?.decidedBy).toEqual({ kind: 'endpoint-to-host', action: 'Drop' });
  });
});
