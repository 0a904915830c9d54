import { describe, expect, it } from 'vitest';
import { captureCli } from '../test-support/run-cli.js';

const cluster = new URL('../../fixtures/cluster.yaml', import.meta.url).pathname;
const cli = captureCli();
const { palisade } = cli;

// The fixture: shop/web (named port http 8080) and shop/db, whose policy admits web on TCP 5432 only.
describe('palisade simulate --all-pairs', () => {
  it('streams every pair as NDJSON, then the summary per namespace pair', async () => {
    expect(await palisade('simulate', '--all-pairs', '-f', cluster, '--ports', '80,5432,udp/53', '-o', 'ndjson')).toBe(0);
    expect(
      cli.out
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { from: 'shop/db', to: 'shop/web', allowed: ['TCP/80', 'TCP/5432', 'UDP/53'] },
      { from: 'shop/web', to: 'shop/db', allowed: ['TCP/5432'] },
      { fromNamespace: 'shop', toNamespace: 'shop', pairs: 2, connected: 2, allowed: { 'TCP/80': 1, 'TCP/5432': 2, 'UDP/53': 1 } },
    ]);
  });

  it('writes one JSON document and CSV tables', async () => {
    expect(await palisade('simulate', '--all-pairs', '-f', cluster, '--ports', '5432', '-o', 'json')).toBe(0);
    expect(JSON.parse(cli.out)).toEqual({
      endpoints: 2,
      classes: 2,
      pairs: [
        { from: 'shop/db', to: 'shop/web', allowed: ['TCP/5432'] },
        { from: 'shop/web', to: 'shop/db', allowed: ['TCP/5432'] },
      ],
      namespaces: [{ fromNamespace: 'shop', toNamespace: 'shop', pairs: 2, connected: 2, allowed: { 'TCP/5432': 2 } }],
    });
    cli.out = '';
    expect(await palisade('simulate', '--all-pairs', '-f', cluster, '--ports', '80,5432', '-o', 'csv')).toBe(0);
    expect(cli.out).toBe('from,to,allowed\nshop/db,shop/web,TCP/80 TCP/5432\nshop/web,shop/db,TCP/5432\n');
    cli.out = '';
    expect(await palisade('simulate', '--all-pairs', '-f', cluster, '--ports', '80,5432', '-o', 'csv', '--summary')).toBe(0);
    expect(cli.out).toBe('from_namespace,to_namespace,pairs,connected,allowed\nshop,shop,2,2,TCP/80=1 TCP/5432=2\n');
  });

  it('summarises as a table by default, over every port', async () => {
    expect(await palisade('simulate', '--all-pairs', '-f', cluster)).toBe(0);
    expect(cli.out).toContain('2 pods in 1 namespace, 2 classes: 2 pairs, 2 connected (100.0%), on every TCP, UDP and SCTP port');
    expect(cli.out).toMatch(/shop {2}shop {6}2 {10}2 {2}SCTP\/1-65535 \(1\), TCP\/1-65535 \(1\), TCP\/5432 \(1\), UDP\/1-65535 \(1\)/);
  });

  it.each([
    [['--ports', '80,,53'], '--ports: "" (at character 4): empty item'],
    [['--ports', 'icmp/8'], '--ports: "icmp/8" (at character 1): unknown protocol "icmp": use tcp, udp or sctp'],
    [['--from', 'shop/web'], '--all-pairs answers every pair: drop --from'],
    [['--explain'], '--explain is for one flow or a batch of probes, not --all-pairs'],
    [['--remote'], '--all-pairs decides against files (-f)'],
  ])('refuses %j with exit code 2, saying what', async (flags, message) => {
    expect(await palisade('simulate', '--all-pairs', '-f', cluster, ...flags)).toBe(2);
    expect(cli.err).toContain(message);
    expect(cli.out).toBe('');
  });

  it('refuses its flags without it', async () => {
    expect(await palisade('simulate', '-f', cluster, '--summary')).toBe(2);
    expect(cli.err).toContain('--summary needs --all-pairs');
    cli.err = '';
    expect(await palisade('simulate', '-f', cluster, '--from', 'shop/web', '--to', 'shop/db', '--protocol', 'TCP', '--port', '1', '-o', 'csv')).toBe(2);
    expect(cli.err).toContain('-o csv is for --all-pairs');
  });
});
