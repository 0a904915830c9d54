import { describe, expect, it } from 'vitest';
import type { Resource } from '@palisade/engine';
import { parseFlowLines } from './flow-lines';
import { changed, diffLines } from './line-diff';
import { mergeThreeWay } from './merge';
import { toYaml } from './resource-yaml';
import { validateText } from './validate';

describe('line diff', () => {
  it('shows a replaced line as removed then added, with line numbers on each side', () => {
    const diff = diffLines('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(diff.map((l) => `${l.op}${l.text}:${l.old ?? ''}:${l.new ?? ''}`)).toEqual([' a:1:1', '-b:2:', '+B::2', ' c:3:3', '+d::4']);
    expect(changed(diff)).toBe(true);
    expect(changed(diffLines('x\n', 'x'))).toBe(false);
  });

  it('diffs against nothing as all added', () => {
    expect(diffLines('', 'a\nb').map((l) => l.op)).toEqual(['+', '+']);
  });
});

describe('three-way merge', () => {
  const base = { spec: { order: 1, selector: 'a', ingress: [{ action: 'Allow' }] } };
  it('takes each side where only it changed', () => {
    const theirs = { spec: { order: 2, selector: 'a', ingress: [{ action: 'Allow' }] } };
    const mine = { spec: { order: 1, selector: 'b', ingress: [{ action: 'Deny' }] } };
    expect(mergeThreeWay(base, theirs, mine)).toEqual({ merged: { spec: { order: 2, selector: 'b', ingress: [{ action: 'Deny' }] } }, conflicts: [] });
  });

  it('names a field both changed differently, and keeps the edit made here', () => {
    const result = mergeThreeWay(base, { spec: { ...base.spec, selector: 'x' } }, { spec: { ...base.spec, selector: 'y' } });
    expect(result.conflicts).toEqual([{ path: 'spec.selector', base: 'a', theirs: 'x', mine: 'y' }]);
    expect((result.merged as typeof base).spec.selector).toBe('y');
  });

  it('treats a rule list that changed length on both sides as one conflict', () => {
    const result = mergeThreeWay(base, { spec: { ...base.spec, ingress: [] } }, { spec: { ...base.spec, ingress: [{ action: 'Allow' }, { action: 'Deny' }] } });
    expect(result.conflicts.map((c) => c.path)).toEqual(['spec.ingress']);
  });
});

describe('resource YAML', () => {
  it('writes fields in the order people write them, without the stored version', () => {
    const stored = {
      spec: { ingress: [{ source: { selector: 'a' }, action: 'Allow' }], selector: 'all()', order: 5 },
      kind: 'GlobalNetworkPolicy',
      metadata: { resourceVersion: '3', name: 'p' },
      apiVersion: 'projectcalico.org/v3',
    };
    expect(toYaml(stored as unknown as Resource)).toBe(
      'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: p\nspec:\n  order: 5\n  selector: all()\n  ingress:\n    - action: Allow\n      source:\n        selector: a\n',
    );
  });
});

describe('validation in the browser', () => {
  it('places a selector typo at its line and column, and spans to the end of the line', () => {
    const text = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: p\nspec:\n  selector: app === 'db'\n";
    const verdict = validateText(text);
    expect(verdict.valid).toBe(false);
    expect(verdict.problems).toHaveLength(1);
    const problem = verdict.problems[0]!;
    expect([problem.line, problem.column, problem.path]).toEqual([6, 3, 'spec.selector']);
    expect(text.slice(problem.from, problem.to)).toBe("selector: app === 'db'");
    expect(validateText(text.replace('===', '==')).resources).toHaveLength(1);
  });

  it('places a YAML syntax error too', () => {
    const verdict = validateText('kind: [unclosed\n');
    expect(verdict.valid).toBe(false);
    expect(verdict.problems[0]!.line).toBeGreaterThan(0);
  });
});

describe('typed-in flows', () => {
  it('reads "from to protocol [port]" lines and says which line is wrong', () => {
    expect(parseFlowLines('shop/a shop/b TCP 80\n\n10.0.0.1 shop/b ICMP\n')).toEqual({
      flows: [
        { from: 'shop/a', to: 'shop/b', protocol: 'TCP', port: 80 },
        { from: '10.0.0.1', to: 'shop/b', protocol: 'ICMP' },
      ],
    });
    expect(parseFlowLines('a b TCP 80\na b\n').error).toMatch(/^line 2: /);
    expect(parseFlowLines('a b TCP eighty').error).toMatch(/^line 1: /);
  });
});

describe('recorded flows as preview lines', () => {
  it('gives one line per distinct conversation, naming endpoints or addresses', async () => {
    const { flowLinesFromRecords } = await import('./recorded-flows');
    const end = (name: string | null, ip: string | null) => ({ namespace: name ? 'shop' : null, name, labels: {}, ip });
    const record = (source: ReturnType<typeof end>, destination: ReturnType<typeof end>, port: number | null) =>
      ({ source, destination, protocol: 'TCP', port }) as unknown as Parameters<typeof flowLinesFromRecords>[0][number];
    expect(
      flowLinesFromRecords([
        record(end('a', '10.0.0.1'), end('b', '10.0.0.2'), 80),
        record(end('a', '10.0.0.1'), end('b', '10.0.0.2'), 80),
        record(end(null, '1.2.3.4'), end('b', null), null),
        record(end(null, null), end('b', null), 1),
      ]),
    ).toEqual(['shop/a shop/b TCP 80', '1.2.3.4 shop/b TCP']);
  });
});
