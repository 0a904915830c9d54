import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closedPort } from '../test-support/closed-port.js';
import { captureCli } from '../test-support/run-cli.js';

const cli = captureCli();
const { palisade } = cli;

describe('palisade apply --dry-run with invalid files', () => {
  const saved = { ...process.env };
  beforeEach(async () => {
    // Nothing listens there: had anything been sent, the command would fail with exit code 3.
    process.env['PALISADE_URL'] = `http://127.0.0.1:${await closedPort()}`;
    process.env['PALISADE_TOKEN'] = 'pal_000000000000_test';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('is refused locally (exit 1) with every problem located, not as a refusal of the gateway', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'palisade-apply-')), 'bad.yaml');
    writeFileSync(file, "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: broken\n  namespace: production\nspec:\n  selector: color == 'red\n");
    expect(await palisade('apply', '-f', file, '--dry-run')).toBe(1);
    expect(cli.err).toMatch(new RegExp(`^palisade apply: invalid input, nothing was sent:\\n  ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: spec\\.selector: `));
    expect(cli.err).not.toContain('refused');
    expect(cli.out).toBe('');
  });
});
