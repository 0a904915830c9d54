import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildProgress, ensureTemporalBinary, temporalBinaryPath } from './temporal.js';

describe('building the Temporal dev server', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('counts the packages go install -v names, across chunk boundaries, and says how long it has taken', () => {
    const lines: string[] = [];
    const progress = new BuildProgress((l) => lines.push(l), 60_000);
    progress.output('github.com/a/b\ngo.temporal.io/ser');
    progress.output('ver/common\nmodernc.org/sqlite\n');
    // Download notes and errors are not packages.
    progress.output('go: downloading github.com/x/y v1.2.3\n');
    progress.stop();
    expect(progress.line()).toMatch(/^ {2}still building the Temporal dev server: 3 of about [\d,]+ packages compiled, \d+s so far$/);
  });

  it('says up front what it builds and how long it takes, and reports progress while go runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-gobuild-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // A stand-in for go: names packages on stderr over half a second, then writes the binary.
    writeFileSync(
      join(bin, 'go'),
      '#!/bin/sh\nfor p in a/one a/two a/three a/four; do echo "example.com/$p" >&2; sleep 0.15; done\nmkdir -p "$GOBIN"\nprintf "#!/bin/sh\\n" > "$GOBIN/temporal"\nchmod +x "$GOBIN/temporal"\n',
    );
    chmodSync(join(bin, 'go'), 0o755);
    process.env['PATH'] = `${bin}${delimiter}${process.env['PATH'] ?? ''}`;
    process.env['XDG_CACHE_HOME'] = join(dir, 'cache');
    delete process.env['PALISADE_TEMPORAL_BIN'];
    const lines: string[] = [];
    const built = await ensureTemporalBinary((l) => lines.push(l), { progressEveryMs: 100 });
    expect(built).toBe(temporalBinaryPath());
    expect(existsSync(built)).toBe(true);
    expect(lines[0]).toMatch(/^building the Temporal dev server \(go install .*@v1\.5\.1\) once for this machine: .* minutes on 2 cores; later starts reuse /);
    const reports = lines.filter((l) => l.includes('still building'));
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)).toMatch(/[1-4] of about/);
    // Built once: the next start reuses it without building or saying anything.
    const again: string[] = [];
    expect(await ensureTemporalBinary((l) => again.push(l))).toBe(built);
    expect(again).toEqual([]);
  });
});
