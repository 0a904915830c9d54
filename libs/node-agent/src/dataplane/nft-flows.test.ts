// Reading the ruleset's flow accounting sets: what each element's counter gained since the last
// read, a new element as a started flow, a counter that went back (the element expired and came
// again) as a fresh count. The nft output here is what nft 1.0.6 prints for these sets.
import { describe, expect, it } from 'vitest';
import { NftFlowReader } from './nft-flows.js';
import { withoutFlowElements } from './nft-baseline.js';

const setJson = (name: string, elems: { concat: (string | number)[]; packets: number; bytes: number }[]) =>
  JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { set: { family: 'inet', name, table: 'palisade', elem: elems.map((e) => ({ elem: { val: { concat: e.concat }, expires: 599, counter: { packets: e.packets, bytes: e.bytes } } })) } },
    ],
  });

describe('NftFlowReader', () => {
  it('returns what each counter gained, per set, with the decision id', async () => {
    let round = 0;
    const sets: Record<string, string>[] = [
      {
        pal_flows4: setJson('pal_flows4', [{ concat: ['10.0.0.1', '10.0.0.2', 'tcp', 8080, 5], packets: 8, bytes: 3443 }]),
        pal_denied4: setJson('pal_denied4', [{ concat: ['10.0.0.1', '10.0.0.3', 'udp', 5354, 7], packets: 1, bytes: 528 }]),
      },
      {
        pal_flows4: setJson('pal_flows4', [{ concat: ['10.0.0.1', '10.0.0.2', 'tcp', 8080, 5], packets: 10, bytes: 3547 }]),
        pal_deniednp4: setJson('pal_deniednp4', [{ concat: ['10.0.0.1', '10.0.0.3', 'icmp', 9], packets: 2, bytes: 168 }]),
      },
      { pal_flows4: setJson('pal_flows4', [{ concat: ['10.0.0.1', '10.0.0.2', 'tcp', 8080, 5], packets: 3, bytes: 180 }]) },
    ];
    const reader = new NftFlowReader(async (args) => {
      const name = args.at(-1)!;
      const out = sets[round]![name];
      return out ? { code: 0, stdout: out, stderr: '' } : { code: 1, stdout: '', stderr: 'Error: No such file or directory' };
    });
    expect(await reader.read()).toEqual([
      { action: 'Allow', src: '10.0.0.1', dst: '10.0.0.2', protocol: 'TCP', port: 8080, decision: 5, packets: 8, bytes: 3443, started: true },
      { action: 'Deny', src: '10.0.0.1', dst: '10.0.0.3', protocol: 'UDP', port: 5354, decision: 7, packets: 1, bytes: 528, started: true },
    ]);
    round = 1;
    expect(await reader.read()).toEqual([
      { action: 'Allow', src: '10.0.0.1', dst: '10.0.0.2', protocol: 'TCP', port: 8080, decision: 5, packets: 2, bytes: 104, started: false },
      { action: 'Deny', src: '10.0.0.1', dst: '10.0.0.3', protocol: 'ICMP', port: null, decision: 9, packets: 2, bytes: 168, started: true },
    ]);
    round = 2;
    // Fewer packets than last time: the element expired and was made again.
    expect(await reader.read()).toEqual([{ action: 'Allow', src: '10.0.0.1', dst: '10.0.0.2', protocol: 'TCP', port: 8080, decision: 5, packets: 3, bytes: 180, started: true }]);
  });
});

describe('the ruleset as drift compares it', () => {
  it("leaves out the accounting sets' elements, which traffic changes, and nothing else", () => {
    const listing = [
      'table inet palisade {',
      '\tset pal_denied4 {',
      '\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service . mark',
      '\t\tcounter',
      '\t}',
      '\tset s1 {',
      '\t\ttype ipv4_addr',
      '\t\telements = { 10.0.0.1,',
      '\t\t\t     10.0.0.9 }',
      '\t}',
      '\tset pal_flows4 {',
      '\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service . mark',
      '\t\telements = { 10.97.1.2 . 10.97.3.2 . udp . 5353 . 0x00000002 counter,',
      '\t\t\t     10.97.1.2 . 10.97.2.2 . tcp . 8080 . 0x00000003 counter }',
      '\t}',
      '}',
    ].join('\n');
    const kept = withoutFlowElements(listing);
    expect(kept).toContain('elements = { 10.0.0.1,');
    expect(kept).toContain('10.0.0.9 }');
    expect(kept).not.toContain('10.97.1.2');
    expect(kept.split('\n')).toHaveLength(14);
  });
});
