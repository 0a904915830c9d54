// What nft monitor says, read as transactions: a change to the agent's table by another process is
// reported with its events; the agent's own runs, other tables and the kernel's flow counting are not.
import { describe, expect, it } from 'vitest';
import { ForeignChanges, MonitorParser } from './nft-monitor.js';
import { replaceBlocks } from './nft-baseline.js';

// As nft 1.0.6 prints it.
const output = `add table inet palisade
add chain inet palisade forward { type filter hook forward priority filter; policy accept; }
add rule inet palisade forward ct state established,related accept
# new generation 7 by process 4100 (nft)
add rule inet palisade forward accept
# new generation 8 by process 4200 (nft)
add table inet someone-else
# new generation 9 by process 4300 (nft)
add element inet palisade pal_flows4 { 10.0.0.1 . 10.0.0.2 . tcp . 80 . 3 }
# new generation 10 by process 4301 (nft)
delete rule inet palisade forward handle 12
# new generation 11
`;

describe('MonitorParser', () => {
  it('reports changes to the table by processes other than the agent', () => {
    const parser = new MonitorParser((pid) => pid === 4100);
    // Delivered in pieces that split lines.
    const changes = [output.slice(0, 50), output.slice(50, 333), output.slice(333)].flatMap((c) => parser.push(c));
    expect(changes).toEqual([
      { pid: 4200, process: 'nft', events: ['add rule inet palisade forward accept'], count: 1 },
      // nft did not say who: counted as someone else.
      { pid: undefined, process: undefined, events: ['delete rule inet palisade forward handle 12'], count: 1 },
    ]);
  });

  it('describes what it saw once', () => {
    const foreign = new ForeignChanges();
    foreign.add(new MonitorParser(() => false).push(output));
    expect(foreign.take()).toBe(
      'process 4100 (nft) changed the table: add table inet palisade; add chain inet palisade forward { type filter hook forward priority filter; policy accept; }; add rule inet palisade forward ct state established,related accept' +
        ' / process 4200 (nft) changed the table: add rule inet palisade forward accept / another process changed the table: delete rule inet palisade forward handle 12',
    );
    expect(foreign.take()).toBeUndefined();
  });
});

describe('replaceBlocks', () => {
  const listing = 'table inet palisade {\n\tset a {\n\t\ttype ipv4_addr\n\t}\n\tset b {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1 }\n\t}\n\tchain c {\n\t\taccept\n\t}\n}\n';
  it('patches the sets an incremental change read back', () => {
    const update = 'table inet palisade {\n\tset b {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1, 10.0.0.2 }\n\t}\n}\n';
    expect(replaceBlocks(listing, update)).toBe(listing.replace('{ 10.0.0.1 }', '{ 10.0.0.1, 10.0.0.2 }'));
  });
  it('gives up on a set the baseline does not have', () => {
    expect(replaceBlocks(listing, 'table inet palisade {\n\tset z {\n\t}\n}\n')).toBeUndefined();
  });
});
