import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESOURCES_PER_CHANGE, CHANGE_BYTES } from '@palisade/contracts';
import { closedPort } from '../test-support/closed-port.js';
import { captureCli } from '../test-support/run-cli.js';

const cli = captureCli();
const { palisade } = cli;

const saved = { ...process.env };
beforeEach(async () => {
  // Nothing listens there: had anything been sent, the command would fail with exit code 3.
  process.env['PALISADE_URL'] = `http://127.0.0.1:${await closedPort()}`;
  process.env['PALISADE_TOKEN'] = 'pal_000000000000_test';
});
afterEach(() => {
  process.env = { ...saved };
});

describe('palisade apply --dry-run with invalid files', () => {
  it('is refused locally (exit 1) with every problem located, not as a refusal of the gateway', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'palisade-apply-')), 'bad.yaml');
    writeFileSync(file, "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: broken\n  namespace: production\nspec:\n  selector: color == 'red\n");
    expect(await palisade('apply', '-f', file, '--dry-run')).toBe(1);
    expect(cli.err).toMatch(new RegExp(`^palisade apply: invalid input, nothing was sent:\\n  ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: spec\\.selector: `));
    expect(cli.err).not.toContain('refused');
    expect(cli.out).toBe('');
  });
});

describe('palisade apply refuses input it cannot send, in a sentence', () => {
  it('an empty file, and more files than one change takes (exit 2, nothing sent)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-apply-'));
    writeFileSync(join(dir, 'empty.yaml'), '  \n');
    expect(await palisade('apply', '-f', join(dir, 'empty.yaml'))).toBe(2);
    expect(cli.err).toBe(`palisade apply: ${join(dir, 'empty.yaml')} is empty: there is nothing to apply\n`);
    cli.err = '';
    const many = mkdtempSync(join(tmpdir(), 'palisade-apply-many-'));
    for (let i = 0; i <= RESOURCES_PER_CHANGE; i++) writeFileSync(join(many, `p${String(i).padStart(5, '0')}.yaml`), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n');
    expect(await palisade('apply', '-f', many)).toBe(2);
    expect(cli.err).toBe('palisade apply: 10,001 files: one change takes at most 10,000 resources, so at most 10,000 files; apply them in parts\n');
  });

  it('more resources than one change takes, counted over all files as the gateway counts them (exit 2, nothing sent)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-apply-'));
    const namespaces = (from: number, n: number) => Array.from({ length: n }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: n${from + i}}\n`).join('---\n');
    writeFileSync(join(dir, 'a.yaml'), namespaces(0, RESOURCES_PER_CHANGE));
    writeFileSync(join(dir, 'b.yaml'), `kind: NamespaceList\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: last}}\n`);
    expect(await palisade('apply', '-f', dir)).toBe(2);
    expect(cli.err).toBe(`palisade apply: the files hold more than 10,000 resources (counted up to ${join(dir, 'b.yaml')}): one change takes at most 10,000; apply them in parts\n`);
  });

  it('more bytes than one change takes: on disk before reading, or as sent after JSON escaping (exit 2, nothing sent)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-apply-'));
    // Sparse: the size is on disk, the bytes are never written nor read.
    writeFileSync(join(dir, 'big.yaml'), '');
    truncateSync(join(dir, 'big.yaml'), CHANGE_BYTES + 1);
    expect(await palisade('apply', '-f', join(dir, 'big.yaml'))).toBe(2);
    expect(cli.err).toBe('palisade apply: the files hold 25,000,001 bytes: one change takes at most 10,000 resources and 25 MB; apply them in parts\n');
    cli.err = '';
    // Each backslash is sent as two: 13 MB on disk, 26 MB in the request.
    writeFileSync(join(dir, 'big.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  annotations: {note: ${'\\'.repeat(13_000_000)}}\n`);
    expect(await palisade('apply', '-f', join(dir, 'big.yaml'))).toBe(2);
    expect(cli.err).toMatch(/^palisade apply: the change is 26,000,\d{3} bytes as sent: one change takes at most 10,000 resources and 25 MB; apply it in parts\n$/);
  });
});
