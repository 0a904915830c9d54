import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../program.js';

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const seed = new URL('../../../../libs/engine/fixtures/seed-policies.yaml', import.meta.url).pathname;

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function palisade(...args: string[]): Promise<number> {
  await buildProgram().parseAsync(['node', 'palisade', ...args]);
  return Number(process.exitCode ?? 0);
}

describe('palisade validate', () => {
  it('passes the seed guide policies, one verdict per document', async () => {
    expect(await palisade('validate', '-f', seed)).toBe(0);
    expect(out).toMatch(/^valid {4}NetworkPolicy production\/allow-tcp-6379 /m);
    expect(out.trim().split('\n').at(-1)).toBe('8 valid, 0 invalid');
  });

  it('prints every located error and exits 1 when a document is invalid', async () => {
    const file = join(fixtures, 'broken.yaml');
    expect(await palisade('validate', '-f', file, '-n', 'prod')).toBe(1);
    expect(out).toContain('INVALID  GlobalNetworkPolicy deny-blue');
    expect(out).toContain(`${file}:9:5  spec.ingress[0].protocol: protocol "tcp" is not known (protocol names are case-sensitive: write TCP)`);
    expect(out).toContain(`${file}:11:7  spec.ingress[0].source.selector: is not a valid selector: expected == at position 6 in "color = 'blue'"`);
    expect(out).toContain('valid    NetworkPolicy prod/web');
    expect(out.trim().split('\n').at(-1)).toBe('1 valid, 1 invalid');
  });

  it('prints machine-readable verdicts with -o json', async () => {
    expect(await palisade('validate', '-f', join(fixtures, 'broken.yaml'), '-o', 'json')).toBe(1);
    const verdicts = JSON.parse(out) as { document: number; kind: string; name: string; valid: boolean; errors: { path: string; line: number }[] }[];
    expect(verdicts.map((v) => [v.document, v.kind, v.name, v.valid])).toEqual([
      [0, 'GlobalNetworkPolicy', 'deny-blue', false],
      [1, 'NetworkPolicy', 'web', true],
    ]);
    expect(verdicts[0]!.errors.map((e) => [e.path, e.line])).toEqual([
      ['spec.ingress[0].protocol', 9],
      ['spec.ingress[0].source.selector', 11],
    ]);
  });

  it('reads a directory, and YAML syntax errors are located too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-validate-'));
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n');
    writeFileSync(join(dir, 'b.yml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: [oops\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    expect(await palisade('validate', '-f', dir)).toBe(1);
    expect(out).toContain('valid    Namespace prod');
    expect(out).toMatch(new RegExp(`INVALID  document 1 .*\\n.*${join(dir, 'b.yml')}:\\d+:\\d+`));
    expect(out.trim().split('\n').at(-1)).toBe('1 valid, 1 invalid');
  });

  it('says which path is missing, with exit code 2', async () => {
    expect(await palisade('validate', '-f', '/no/such/file.yaml')).toBe(2);
    expect(err).toBe('palisade validate: /no/such/file.yaml: no such file or directory\n');
  });
});
