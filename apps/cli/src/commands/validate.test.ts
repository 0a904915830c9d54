import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from '../test-support/run-cli.js';

const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
const seed = new URL('../../../../libs/engine/fixtures/seed-policies.yaml', import.meta.url).pathname;

const cli = captureCli();
const { palisade } = cli;

describe('palisade validate', () => {
  it('passes the seed guide policies, one verdict per document', async () => {
    expect(await palisade('validate', '-f', seed)).toBe(0);
    expect(cli.out).toMatch(/^valid {4}NetworkPolicy production\/allow-tcp-6379 /m);
    expect(cli.out.trim().split('\n').at(-1)).toBe('8 valid, 0 invalid');
  });

  it('prints every located error and exits 1 when a document is invalid', async () => {
    const file = join(fixtures, 'broken.yaml');
    expect(await palisade('validate', '-f', file, '-n', 'prod')).toBe(1);
    expect(cli.out).toContain('INVALID  GlobalNetworkPolicy deny-blue');
    expect(cli.out).toContain(`${file}:9:5  spec.ingress[0].protocol: protocol "tcp" is not known (protocol names are case-sensitive: write TCP)`);
    expect(cli.out).toContain(`${file}:11:7  spec.ingress[0].source.selector: is not a valid selector: expected == at position 6 in "color = 'blue'"`);
    expect(cli.out).toContain('valid    NetworkPolicy prod/web');
    expect(cli.out.trim().split('\n').at(-1)).toBe('1 valid, 1 invalid');
  });

  it('prints machine-readable verdicts with -o json', async () => {
    expect(await palisade('validate', '-f', join(fixtures, 'broken.yaml'), '-o', 'json')).toBe(1);
    const verdicts = JSON.parse(cli.out) as { document: number; kind: string; name: string; valid: boolean; errors: { path: string; line: number }[] }[];
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
    expect(cli.out).toContain('valid    Namespace prod');
    expect(cli.out).toMatch(new RegExp(`INVALID  document 1 .*\\n.*${join(dir, 'b.yml')}:\\d+:\\d+`));
    expect(cli.out.trim().split('\n').at(-1)).toBe('1 valid, 1 invalid');
  });

  it('says which path is missing, with exit code 2', async () => {
    expect(await palisade('validate', '-f', '/no/such/file.yaml')).toBe(2);
    expect(cli.err).toBe('palisade validate: /no/such/file.yaml: no such file or directory\n');
  });
});
