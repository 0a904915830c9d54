import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    const many = mkdtempSync(join(tmpdir(), 'palisade-apply-many-'));
    for (let i = 0; i < 501; i++) writeFileSync(join(many, `p${String(i).padStart(3, '0')}.yaml`), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n');
    expect(await palisade('apply', '-f', many)).toBe(2);
    expect(cli.err).toContain('501 files: one change takes at most 500 files');
  });
});
