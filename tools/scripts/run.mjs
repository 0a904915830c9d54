#!/usr/bin/env node
// The one entry point behind the README's commands (npm run up | down | test | bench | build | lint).
// Plain Node with no dependencies, because it runs before `npm ci` has installed anything:
// it installs what is missing, builds with Nx, then hands over to the palisade CLI or the tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workspaceDirs } from './workspaces.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reportsDir = join(root, 'reports', 'vitest');
const testHome = join(root, '.palisade', 'test');
const nxBin = join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
const prettierBin = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');

// No Nx Cloud, no daemon fetching nx@latest, no Next.js telemetry: nothing leaves the machine.
const env = {
  ...process.env,
  NX_NO_CLOUD: 'true',
  NX_USE_LOCAL: 'true',
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  NEXT_TELEMETRY_DISABLED: '1',
};

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env: options.env ?? env, stdio: 'inherit' });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Palisade needs Node.js 20.19 or newer; this is ${process.version}. Install a current Node.js 20 LTS.`);
  }
}

/** npm ci when node_modules is missing or was installed from a different package-lock.json. */
function ensureInstalled() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.palisade-lock.sha256');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want) return;
  console.log('Installing dependencies (npm ci)...');
  // npm 11 runs no dependency install scripts unless package.json allows them; none is needed.
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) fail('npm ci failed; see the output above.');
  writeFileSync(stamp, want + '\n');
}

function nx(args) {
  return run(process.execPath, [nxBin, ...args, '--outputStyle=static']);
}

function build(projects) {
  const args = ['run-many', '-t', 'build'];
  if (projects) args.push(`--projects=${projects.join(',')}`);
  if (nx(args) !== 0) fail('The build failed; see the output above.');
}

function palisade(args) {
  return run(process.execPath, [join(root, 'apps', 'cli', 'bin', 'palisade.js'), ...args]);
}

/** Prettier over the tree (.prettierrc.json, .prettierignore): --check reports, --write fixes. */
function format(mode) {
  const code = run(process.execPath, [prettierBin, mode, '--log-level', 'warn', '.']);
  if (code !== 0 && mode === '--check') console.error('Some files are not formatted (listed above): run `npm run format`.');
  return code;
}

async function loadStack() {
  return import(pathToFileURL(join(root, 'tools', 'stack', 'dist', 'index.js')).href);
}

/** Sums the Vitest JSON reports into the one line CI reads. */
function summarize(projectsWithTests, nxFailed) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const lines = [];
  for (const project of projectsWithTests) {
    const file = join(reportsDir, `${project}.json`);
    if (!existsSync(file)) {
      failed += 1;
      lines.push(`  ${project.padEnd(12)} no report: its test run did not finish`);
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const suiteFailures = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
    passed += report.numPassedTests;
    failed += report.numFailedTests + suiteFailures;
    skipped += report.numPendingTests + report.numTodoTests;
    lines.push(`  ${project.padEnd(12)} ${report.numPassedTests} passed, ${report.numFailedTests + suiteFailures} failed${report.numPendingTests ? `, ${report.numPendingTests} skipped` : ''}`);
  }
  console.log('\nTest results by project:');
  console.log(lines.join('\n'));
  if (skipped) console.log(`(${skipped} skipped)`);
  if (nxFailed) console.log('A format check, lint, typecheck or test task failed; the output above names it.');
  // The last line is the one CI reads.
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

async function test() {
  build();
  const stack = await loadStack();
  let state;
  try {
    state = await stack.upServices({ home: testHome, profile: 'test', env, log: (line) => console.log(`[test services] ${line}`) });
  } catch (error) {
    fail(`Cannot start the test services: ${error.message}${error.hint ? `. ${error.hint}` : ''}`);
  }
  const services = stack.serviceEnv(state);
  for (const [name, s] of Object.entries(state.services)) console.log(`[test services] ${name}: ${s.mode} at ${stack.redactUrl(s.url)}`);
  rmSync(reportsDir, { recursive: true, force: true });
  mkdirSync(reportsDir, { recursive: true });
  let code;
  try {
    // A fresh run id is an input of every test target: builds, lint and typecheck may come from
    // Nx's cache, but every test really runs against the services started above.
    const testEnv = { ...env, ...services, PALISADE_TEST_HOME: testHome, PALISADE_TEST_RUN: `${Date.now()}-${process.pid}` };
    code = run(process.execPath, [nxBin, 'run-many', '-t', 'lint', 'typecheck', 'test', '--outputStyle=static'], { env: testEnv });
  } finally {
    const stopped = await stack.down(testHome);
    if (stopped.left.length) console.error(`[test services] could not stop: ${stopped.left.join(', ')}`);
  }
  const withTests = workspaceDirs(root)
    .map((dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')))
    .filter((pkg) => pkg.scripts?.test)
    .map((pkg) => pkg.nx?.name ?? pkg.name);
  const unformatted = format('--check') !== 0;
  const failed = summarize(withTests, code !== 0 || unformatted);
  process.exit(code !== 0 || unformatted || failed > 0 ? 1 : 0);
}

checkNode();
const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'up':
    ensureInstalled();
    build(['cli', 'gateway', 'worker', 'console']);
    // Ctrl-C reaches the whole foreground process group: let `palisade up` handle it (it stops
    // the platform) and wait for it, instead of dying first and leaving it talking to the prompt.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
    process.exit(palisade(['up', ...args]));
    break;
  case 'down':
    ensureInstalled();
    build(['cli']);
    process.exit(palisade(['down', ...args]));
    break;
  case 'test':
    ensureInstalled();
    await test();
    break;
  case 'bench': {
    // Every project's benchmark, one at a time (they measure the machine: two at once would
    // measure each other), each starting or reusing the test services; then BENCHMARKS.md from
    // what they wrote. A failed bench still leaves the others' figures in the report.
    ensureInstalled();
    build();
    const code = run(process.execPath, [nxBin, 'run-many', '-t', 'bench', '--parallel=1', '--skip-nx-cache', '--outputStyle=static', ...args], {
      env: { ...env, PALISADE_TEST_HOME: testHome },
    });
    await (await loadStack()).down(testHome);
    const reported = run(process.execPath, [join(root, 'tools', 'scripts', 'bench-report.mjs')]);
    process.exit(code || reported);
    break;
  }
  case 'lint': {
    ensureInstalled();
    const unformatted = format('--check');
    process.exit(nx(['run-many', '-t', 'lint']) || unformatted);
    break;
  }
  case 'format':
    ensureInstalled();
    process.exit(format('--write'));
    break;
  case 'nx':
    ensureInstalled();
    process.exit(nx(args));
    break;
  default:
    fail('usage: node tools/scripts/run.mjs up|down|test|bench|lint|format|nx <args>');
}
