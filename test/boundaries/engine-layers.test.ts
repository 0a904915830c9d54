// The engine's folders are layers: each may import the ones below it and none above, so no two
// folders import each other, and the calculation graph is wired in exactly one file. Read from
// the source, so a new import that breaks either rule fails here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/cli.js';

const src = join(root, 'libs', 'engine', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test-support' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative imports of a file (type-only ones too: they tie folders together just the same), as paths under src. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return specifiers.map((s) => relative(src, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The top folder of a path under src ("" for the barrel and other top-level files). */
const folderOf = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : '');

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(src)) {
    const from = folderOf(relative(src, file));
    if (from === '') continue; // the barrel re-exports everything
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (to === from || to === '') continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** One cycle in the graph, as the folders on it, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('engine layers', () => {
  it('has no two folders that import each other, directly or around a loop', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(10);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const graph = folderGraph();
    graph.get('selector')!.add('calc');
    expect(findCycle(graph)).toContain('calc');
  });

  it('has no folder named like the barrel index.ts', () => {
    expect(existsSync(join(src, 'index'))).toBe(false);
  });

  it('wires the calculators in one file: calc/graph.ts alone imports them', () => {
    const calculators = ['identities', 'profiles', 'endpoints', 'nodes', 'network-sets', 'services', 'policies', 'policy-order', 'felix'].map((name) => `calc/${name}.ts`);
    for (const c of calculators) expect(existsSync(join(src, c)), c).toBe(true);
    const importers = new Map<string, string[]>();
    for (const file of sourceFiles(src)) {
      const name = relative(src, file);
      if (name === 'index.ts') continue; // the barrel exports, it does not wire
      for (const target of importsOf(file)) if (calculators.includes(target)) importers.set(target, [...(importers.get(target) ?? []), name]);
    }
    for (const c of calculators) expect(importers.get(c), c).toEqual(['calc/graph.ts']);
  });
});
