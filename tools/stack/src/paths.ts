import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest ancestor whose package.json is the Palisade workspace. */
export function findWorkspaceRoot(from: string = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (pkg.name === '@palisade/source') return dir;
      } catch {
        // unreadable manifest: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Where machine-wide build artefacts live (the Temporal dev server binary), shared by clones. */
export function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'palisade');
}

/** Layout of one stack's home directory (.palisade/ for `palisade up`, .palisade/test for tests). */
export function stackPaths(home: string) {
  return {
    home,
    state: join(home, 'state.json'),
    lock: join(home, 'stack.lock'),
    logs: join(home, 'logs'),
    postgres: join(home, 'postgres'),
    nats: join(home, 'nats'),
    temporal: join(home, 'temporal'),
  };
}
export type StackPaths = ReturnType<typeof stackPaths>;
