import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from '../test-support/run-cli.js';

const cluster = new URL('../../fixtures/cluster.yaml', import.meta.url).pathname;
const cli = captureCli();
const { palisade } = cli;
const tmp = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'palisade-cli-')), name);
  writeFileSync(file, text);
  return file;
};

describe('palisade simulate', () => {
  it('decides one flow and names what decided each end', async () => {
    expect(await palisade('simulate', '-f', cluster, '--from', 'shop/web', '--to', 'shop/db', '--protocol', 'TCP', '--port', '5432')).toBe(0);
    expect(cli.out).toContain('ALLOWED  shop/web -> shop/db  TCP/5432');
    expect(cli.out).toContain('ingress  shop/db: allow by rule 0 (Allow) of NetworkPolicy/shop/db in tier default');
  });

  it('explains a denial rule by rule', async () => {
    expect(await palisade('simulate', '-f', cluster, '--from', '192.0.2.1', '--to', 'shop/db', '--protocol', 'tcp', '--port', '5432', '--explain')).toBe(0);
    expect(cli.out).toContain('DENIED   192.0.2.1 -> shop/db  TCP/5432');
    expect(cli.out).toMatch(/NetworkPolicy shop\/db rule 0 \(Allow\): no, source 192\.0\.2\.1 does not match selector app == 'web'/);
    expect(cli.out).toContain('end of tier default: Deny');
  });

  it('runs a batch of probes as JSON', async () => {
    const probes = tmp(
      'probes.json',
      JSON.stringify([
        { from: 'shop/web', to: 'shop/db', protocol: 'TCP', port: 5432 },
        { from: 'shop/db', to: 'shop/web', protocol: 6, port: 8080 },
        { from: 'shop/web', to: 'shop/db', protocol: 'ICMP', icmp: { type: 8 } },
      ]),
    );
    expect(await palisade('simulate', '-f', cluster, '--probes', probes, '-o', 'json')).toBe(0);
    const results = JSON.parse(cli.out) as { from: string; to: string; protocol: string | number; port?: number; allowed: boolean; egress: unknown; ingress: { by: string } | null }[];
    expect(results.map((r) => [r.from, r.to, r.protocol, r.port, r.allowed])).toEqual([
      ['shop/web', 'shop/db', 'TCP', 5432, true],
      ['shop/db', 'shop/web', 6, 8080, true],
      ['shop/web', 'shop/db', 'ICMP', undefined, false],
    ]);
    expect(results[2]!.ingress?.by).toContain('end of tier default');
  });

  it('refuses unknown endpoints, malformed probes and inconsistent snapshots with exit code 2', async () => {
    expect(await palisade('simulate', '-f', cluster, '--from', 'shop/nope', '--to', 'shop/db', '--protocol', 'TCP', '--port', '1')).toBe(2);
    expect(cli.err).toContain('palisade simulate: --from: "shop/nope" is not a known endpoint');
    cli.err = '';
    expect(await palisade('simulate', '-f', cluster, '--probes', tmp('p.json', '[{"from": "shop/web", "to": "shop/db", "protocol": "TCP", "port": "80"}]'))).toBe(2);
    expect(cli.err).toContain('probe 0: port: must be an integer from 1 to 65535');
    cli.err = '';
    const clash = tmp(
      'clash.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: shop}\nstatus: {podIP: 10.0.1.1}\n---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec: {tier: missing}\n',
    );
    expect(await palisade('simulate', '-f', cluster, '-f', clash, '--from', 'shop/web', '--to', 'shop/db', '--protocol', 'TCP', '--port', '1')).toBe(2);
    expect(cli.err).toContain('shop/web and shop/other both have IP 10.0.1.1');
    expect(cli.err).toMatch(/cluster\.yaml:10 status\.podIP; .*clash\.yaml:1 status\.podIP/);
    expect(cli.err).toMatch(/is in tier "missing", which no Tier resource defines \(.*clash\.yaml:6 spec\.tier\)/);
  });
});

describe('palisade compile', () => {
  it("prints a node's nftables ruleset", async () => {
    expect(await palisade('compile', '-f', cluster, '--node', 'node-1')).toBe(0);
    expect(cli.out).toContain('table inet palisade {');
    expect(cli.out).toMatch(/comment "NetworkPolicy\/shop\/db ingress"/);
  });
  it('prints the IR as JSON, and names the nodes when one is unknown', async () => {
    expect(await palisade('compile', '-f', cluster, '--node', 'node-1', '--format', 'json')).toBe(0);
    expect(JSON.parse(cli.out)).toMatchObject({ node: 'node-1', endpoints: [{ id: 'shop/db' }, { id: 'shop/web' }] });
    cli.out = '';
    expect(await palisade('compile', '-f', cluster, '--node', 'node-9')).toBe(2);
    expect(cli.err).toContain('no node node-9 in the snapshot; nodes: node-1');
  });
});
