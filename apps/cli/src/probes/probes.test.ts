import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '@palisade/engine';
import { InputError } from '../errors.js';
import { JsonArraySplitter, type JsonStreamError } from './json-array-stream.js';
import { readProbes } from './read-probes.js';
import { ResultWriter } from './write-results.js';

const split = (text: string, cuts: number[]): string[] => {
  const splitter = new JsonArraySplitter(1_000);
  const out: string[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(...splitter.push(text.slice(from, cut)));
    from = cut;
  }
  splitter.end();
  return out;
};

describe('JsonArraySplitter', () => {
  const text = ' [ {"from": "a/b", "to": "c, ]d", "q": "\\"[{"}, [1, [2]] , "x\\\\" ,{}]\n ';

  it("gives every element whatever the chunk boundaries (commas and brackets in strings and nested values are not the list's)", () => {
    const expected = ['{"from": "a/b", "to": "c, ]d", "q": "\\"[{"}', '[1, [2]]', '"x\\\\"', '{}'];
    for (let a = 0; a <= text.length; a++) {
      for (const b of [a, Math.min(text.length, a + 1), Math.min(text.length, a + 7)]) {
        expect(
          split(text, [a, b]).map((e) => e.trim()),
          `cut at ${a} and ${b}`,
        ).toEqual(expected);
      }
    }
    expect(split('[]', [1])).toEqual([]);
    expect(split('[\n]', [])).toEqual([]);
  });

  it('refuses what is not one list, naming where', () => {
    const refusal = (t: string) => {
      try {
        split(t, []);
        return 'accepted';
      } catch (error) {
        return (error as JsonStreamError).message;
      }
    };
    expect(refusal('{"from": 1}')).toMatch(/must be a JSON list/);
    expect(refusal('[{}, ]')).toMatch(/missing after the last comma/);
    expect(refusal('[, {}]')).toMatch(/missing before this comma/);
    expect(refusal('[{}] [{}]')).toMatch(/after the end of the list/);
    expect(refusal('[{}')).toMatch(/before the list is closed/);
    expect(refusal('   ')).toMatch(/is empty/);
    expect(() => new JsonArraySplitter(10).push(`[{"from": "${'x'.repeat(20)}"}]`)).toThrow(/longer than 10 characters/);
  });
});

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'palisade-probes-')), 'probes');
  writeFileSync(path, text);
  return path;
}

async function read(path: string) {
  const out = [];
  for await (const p of readProbes(path)) out.push(p);
  return out;
}

describe('readProbes', () => {
  const probe = { from: 'shop/web', to: 'data/db', protocol: 'TCP', port: 5432 };

  it('reads a JSON list and NDJSON alike', async () => {
    expect(await read(file(JSON.stringify([probe, { ...probe, port: 80 }], null, 2)))).toEqual([probe, { ...probe, port: 80 }]);
    expect(await read(file(`\n${JSON.stringify(probe)}\n\n${JSON.stringify({ ...probe, port: 80 })}`))).toEqual([probe, { ...probe, port: 80 }]);
  });

  it('names the probe (and the line) that is bad, as bad input', async () => {
    await expect(read(file(JSON.stringify([probe, { ...probe, port: 0 }])))).rejects.toBeInstanceOf(InputError);
    await expect(read(file(JSON.stringify([probe, { ...probe, port: 0 }])))).rejects.toThrow(/probe 1: port: must be an integer from 1 to 65535/);
    await expect(read(file(`${JSON.stringify(probe)}\n{"from": "a", "to": "b", "protocol": "TCP", "colour": 1}\n`))).rejects.toThrow(/probe 1: colour: is not a probe field.* \(line 2\)/);
    await expect(read(file(`${JSON.stringify(probe)}\n{not json\n`))).rejects.toThrow(/probe 1 \(line 2\): not JSON/);
    await expect(read(file(''))).rejects.toThrow(/is empty/);
    await expect(read('/nonexistent/probes.json')).rejects.toThrow(/cannot read/);
  });
});

describe('ResultWriter', () => {
  const result = (n: number): ProbeResult => ({ from: `a/${n}`, to: 'b/c', protocol: 'TCP', port: n, allowed: n % 2 === 0, egress: null, ingress: { verdict: 'allow', endpoint: 'b/c', by: 'x' } });

  async function written(format: 'json' | 'ndjson' | 'text', n: number): Promise<string> {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const writer = new ResultWriter(out, format, (r) => `${r.from}\n`);
    for (let i = 0; i < n; i++) await writer.write(result(i));
    await writer.end();
    return chunks.join('');
  }

  it('writes json exactly as JSON.stringify of the whole list would, and ndjson one per line', async () => {
    for (const n of [0, 1, 3]) {
      const all = Array.from({ length: n }, (_, i) => result(i));
      expect(await written('json', n)).toBe(`${JSON.stringify(all, null, 2)}\n`);
      expect(
        (await written('ndjson', n))
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual(all);
    }
    expect(await written('text', 3)).toBe('a/0\na/1\na/2\n2 allowed, 1 denied\n');
  });
});
