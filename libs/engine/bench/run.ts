// Engine benchmarks: `npx nx run engine:bench` (all) or `... -- selector|cluster|allPairs` (one).
// Writes bench/results.json with the machine's description, keeping the sections not re-run.
// Figures are measured, never asserted: compare them with the issues' targets.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allPairsBench } from './all-pairs.bench.js';
import { clusterBench } from './cluster.bench.js';
import { selectorBench } from './selector.bench.js';
import { machine } from './support.js';

const SECTIONS = ['selector', 'cluster', 'allPairs'];
const which = process.argv.slice(2).filter((a) => a !== '--');
if (which.length === 0) {
  // Each section in its own process, so one's heap and garbage do not weigh on the other's figures.
  for (const section of SECTIONS) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), section], { stdio: 'inherit' });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}
const unknown = which.filter((w) => !SECTIONS.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}: use ${SECTIONS.join(' or ')}`);
  process.exit(2);
}
const run = (name: string) => which.includes(name);
const out = new URL('./results.json', import.meta.url);
const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
const m = machine();
console.log(`machine: ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), ${m.os}, Node ${m.node}; single-threaded`);

const results: Record<string, unknown> = { ...(previous.selector && previous.machine ? previous : {}), date: new Date().toISOString(), machine: m, singleThreaded: true };
if (run('selector')) results.selector = selectorBench();
if (run('cluster')) results.cluster = await clusterBench();
if (run('allPairs')) results.allPairs = allPairsBench();
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`written: ${out.pathname}`);
