import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cidrContains, parseCidr, type ParsedCidr } from '../net/index.js';
import { CidrSet, TupleSet, type Tuple } from './member-sets.js';

// The reference: keep every CIDR no other CIDR covers, by brute force.
function reference(cidrs: ParsedCidr[]): string[] {
  const unique = [...new Map(cidrs.map((c) => [c.text, c])).values()];
  return unique
    .filter((c) => !unique.some((o) => o !== c && o.family === c.family && o.prefixLength < c.prefixLength && cidrContains(o, c.network)))
    .map((c) => c.text)
    .sort();
}

const POOL = [
  '10.99.0.0/16',
  '10.99.0.0/24',
  '10.99.1.0/24',
  '10.99.0.0/30',
  '10.99.0.1/32',
  '10.99.0.2/32',
  '10.99.0.5/32',
  '10.99.1.7/32',
  '10.98.0.1/32',
  '0.0.0.0/0',
  'fd00::/64',
  'fd00::1/128',
  'fd00:1::1/128',
].map((t) => parseCidr(t)!);

describe('CidrSet', () => {
  it('keeps exactly the uncovered members through any sequence of adds and deletes, and reports net changes', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ add: fc.boolean(), index: fc.nat(POOL.length - 1) }), { maxLength: 60 }), (ops) => {
        const set = new CidrSet();
        const bag: ParsedCidr[] = [];
        let visible: string[] = [];
        for (const op of ops) {
          const cidr = POOL[op.index]!;
          const at = bag.findIndex((c) => c.text === cidr.text);
          if (op.add) {
            set.add(cidr);
            bag.push(cidr);
          } else if (at >= 0) {
            set.delete(cidr);
            bag.splice(at, 1);
          } else continue;
          const expected = reference(bag);
          expect(set.members()).toEqual(expected);
          const changes = set.takeChanges();
          expect(changes.add).toEqual(expected.filter((m) => !visible.includes(m)));
          expect(changes.remove).toEqual(visible.filter((m) => !expected.includes(m)));
          visible = expected;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to delete what it does not hold', () => {
    expect(() => new CidrSet().delete(POOL[0]!)).toThrow(/not in the set/);
  });
});

describe('TupleSet', () => {
  it('counts duplicates and resets to a given list with net changes', () => {
    const t = (ip: string, port: number): Tuple => ({ ip, protocol: 6, port });
    const set = TupleSet.of([t('10.99.0.1', 80), t('10.99.0.1', 80), t('10.99.0.2', 80)]);
    set.delete(t('10.99.0.1', 80));
    expect(set.takeChanges()).toEqual({ add: [], remove: [] });
    set.delete(t('10.99.0.1', 80));
    set.reset([t('10.99.0.2', 80), t('10.99.0.3', 443)]);
    expect(set.members()).toEqual([t('10.99.0.2', 80), t('10.99.0.3', 443)]);
    expect(set.takeChanges()).toEqual({ add: [t('10.99.0.3', 443)], remove: [t('10.99.0.1', 80)] });
  });
});
