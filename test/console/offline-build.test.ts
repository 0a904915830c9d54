// `next build` of the console with no network at all: in a network namespace of its own (only a
// loopback that is down), so a remote font, image or package fetched at build time fails it.
// Root only (unshare); it says so when it skips. It builds into .next-offline, beside the build
// the other tests serve, and removes it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../support/cli.js';

const unshare = ['/usr/bin/unshare', '/bin/unshare'].find(existsSync);
const isRoot = process.getuid?.() === 0;
const reason = !isRoot ? 'needs root (unshare -n)' : !unshare ? 'unshare is not installed' : undefined;
if (reason) console.warn(`SKIPPED the console's offline build: ${reason}`);

const consoleDir = join(root, 'apps', 'console');
const dist = '.next-offline';

// next build rewrites these for its dist dir: put back what the served build uses.
const kept = ['next-env.d.ts', 'tsconfig.json'].map((name) => [join(consoleDir, name), existsSync(join(consoleDir, name)) ? readFileSync(join(consoleDir, name), 'utf8') : undefined] as const);

describe.skipIf(!!reason)("the console's build with no network", () => {
  afterAll(() => {
    rmSync(join(consoleDir, dist), { recursive: true, force: true });
    for (const [file, text] of kept) if (text !== undefined) writeFileSync(file, text);
  });

  it('passes with no network access', () => {
    const probe = spawnSync(unshare!, ['-n', process.execPath, '-e', "require('node:dns').lookup('registry.npmjs.org', (e) => process.exit(e ? 0 : 1))"], { encoding: 'utf8' });
    expect(probe.status, 'inside the namespace, names do not resolve').toBe(0);
    const build = spawnSync(unshare!, ['-n', process.execPath, join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      cwd: consoleDir,
      env: { ...process.env, PALISADE_CONSOLE_DIST_DIR: dist, NEXT_TELEMETRY_DISABLED: '1' },
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(build.status, `${build.stdout}\n${build.stderr}`.slice(-4_000)).toBe(0);
    expect(existsSync(join(consoleDir, dist, 'BUILD_ID'))).toBe(true);
  }, 660_000);
});
