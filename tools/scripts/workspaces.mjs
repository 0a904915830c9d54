// The npm workspaces of the root package.json, with "apps/*" expanded to the folders that hold a
// package.json. Plain Node: run.mjs uses it before anything is installed, bench-report.mjs after.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function workspaceDirs(root) {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const base = pattern.slice(0, -2);
    return readdirSync(join(root, base), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, base, d.name, 'package.json')))
      .map((d) => join(base, d.name));
  });
}
