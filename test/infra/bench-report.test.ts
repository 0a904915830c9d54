// BENCHMARKS.md is rendered from the benches' results files, never typed: rendering the repository's
// own results must give every benchmark a section with its run's date, every stated target with the
// verdict the bench recorded, and every same-run baseline and ratio with the value the bench wrote.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/cli.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function resultFiles(): { project: string; data: Record<string, Json> }[] {
  const out: { project: string; data: Record<string, Json> }[] = [];
  for (const parent of ['apps', 'libs']) {
    for (const name of readdirSync(join(root, parent))) {
      const file = join(root, parent, name, 'bench', 'results.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(join(root, parent, name, 'package.json'), 'utf8')) as { name: string; nx?: { name?: string } };
      out.push({ project: pkg.nx?.name ?? pkg.name, data: JSON.parse(readFileSync(file, 'utf8')) as Record<string, Json> });
    }
  }
  return out;
}

function numbersUnder(value: Json, path: string, out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersUnder(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbersUnder(v, path ? `${path}.${k}` : k, out);
  return out;
}

describe('the benchmark report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-report-'));
  const out = join(dir, 'BENCHMARKS.md');
  const rendered = spawnSync(process.execPath, [join(root, 'tools', 'scripts', 'bench-report.mjs'), '--out', out], { encoding: 'utf8' });
  const results = resultFiles();

  it('renders every benchmark that wrote results, with the date of its run', () => {
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(results.length).toBeGreaterThanOrEqual(5);
    const report = readFileSync(out, 'utf8');
    for (const { project, data } of results) {
      expect(report).toMatch(new RegExp(`^## ${project}(:|$)`, 'm'));
      if (typeof data['date'] === 'string') expect(report).toContain(`measured ${data['date']}`);
    }
  });

  it('gives each baseline and ratio the value its bench wrote, and each missed target as missed', () => {
    const report = readFileSync(out, 'utf8');
    const rows = new Map(
      report
        .split('\n')
        .filter((l) => l.startsWith('| '))
        .map((l) => l.split(' | ').map((c) => c.replace(/^\| | \|$/g, '')) as [string, string]),
    );
    let baselines = 0;
    for (const { project, data } of results) {
      for (const [path, value] of numbersUnder(data, '')) {
        const key = path.split('.').at(-1)!;
        if (!/^ratio|Ratio|^raw|^naive|[fF]loor/.test(key) || path.includes('target')) continue;
        baselines++;
        expect(rows.get(path), `${project} ${path}`).toBe(value.toLocaleString('en-US', { maximumFractionDigits: 3 }));
      }
      const missed = (value: Json, path: string): string[] =>
        value && typeof value === 'object' && !Array.isArray(value)
          ? [...(value['meetsTarget'] === false ? [path] : []), ...Object.entries(value).flatMap(([k, v]) => missed(v, path ? `${path}.${k}` : k))]
          : [];
      for (const path of missed(data, '')) expect(report).toContain(`- missed: ${project} ${path}`);
    }
    // The repository's benches record raw PostgreSQL, raw NATS KV, the naive evaluator and the kernel floor.
    expect(baselines).toBeGreaterThanOrEqual(5);
  });
});
