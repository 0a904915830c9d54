// Console benchmarks: `npx nx run console:bench`. Measured in Debian's chromium (playwright-core),
// never asserted; writes bench/results.json with the machine. The console as it runs: the built
// console (`next start`) and gateway, a database and nats-server of their own.
//  board     for 1,000 and 10,000 policies (POLICIES overrides, comma-separated): from navigation
//            start to the first board row in the DOM (first render: the server renders the first
//            page), to the board hydrated (interactive: its controls answer input), and from a
//            keystroke in the search box to the filtered rows on screen
//  editor    editing a stored 500-line policy: the engine's validation per keystroke (its User
//            Timing entries), and input-to-next-frame per keystroke (keydown to the frame after
//            React's render), over KEYSTROKES keystrokes
//  flows     the flow view with 100,000 records, the live stream at 2,000 records/s, and
//            recommendations for 50 workloads over an hour of flows (bench/flows.ts)
//  bundles   JavaScript each page loads, as chromium received it (encoded and decoded bytes), and
//            the engine alone bundled for browsers by esbuild (minified, and gzipped)
/* eslint-disable no-restricted-imports -- a benchmark, like a test, uses the real-service harness */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { bootstrapAdminToken } from '@palisade/domain';
import { applyMigrations, createDbClient, EventKey } from '@palisade/event-store';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the real-service harness, as tests use it
import { benchDatabase, benchMachine, ensureTestServices, launchChromium, percentile, round, startTestNats } from '@palisade/testing';
import { measureFlows } from './flows.js';
import { boardPolicies, editorPolicy } from './workload.js';

const SIZES = (process.env['POLICIES'] ?? '1000,10000').split(',').map(Number);
/** Which parts to run (comma-separated): bundles, board, editor, flows. */
const ONLY = new Set((process.env['BENCH_ONLY'] ?? 'bundles,board,editor,flows').split(','));
const KEYSTROKES = Number(process.env['KEYSTROKES'] ?? 60);
const RUNS = Number(process.env['RUNS'] ?? 5);
const root = join(import.meta.dirname, '..', '..', '..');
const results: Record<string, unknown> = { benchmark: 'console', date: new Date().toISOString(), machine: benchMachine() };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function processOf(args: string[], env: NodeJS.ProcessEnv, cwd = root): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  return { child, log: () => log };
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${log()}`);
    await sleep(200);
  }
}

/** Writes policies through the gateway in changes of 2,000 (as `palisade apply` of a big directory would). */
async function put(url: string, token: string, documents: string[]): Promise<void> {
  for (let i = 0; i < documents.length; i += 2_000) {
    const res = await fetch(`${url}/trpc/resources.put`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ documents: documents.slice(i, i + 2_000).join('---\n'), reason: 'console benchmark' }),
    });
    if (!res.ok) throw new Error(`seeding failed: ${res.status} ${(await res.text()).slice(0, 500)}`);
  }
}

/** Navigation start to the first board row, and to the first filter keystroke answered. */
async function measureBoard(browser: Browser, origin: string, cookie: { name: string; value: string }, total: number) {
  const firstRender: number[] = [];
  const interactive: number[] = [];
  const filterResponse: number[] = [];
  const phases: Record<string, number>[] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ baseURL: origin });
    await context.addCookies([{ ...cookie, url: origin }]);
    const page = await context.newPage();
    // Recorded in the page itself, so polling from here adds nothing to the figures.
    await page.addInitScript(() => {
      const w = window as unknown as { __firstRow?: number; __hydrated?: number };
      new MutationObserver((_m, observer) => {
        if (w.__firstRow === undefined && document.querySelector('[data-policy]')) w.__firstRow = performance.now();
        if (w.__hydrated === undefined && document.querySelector('[data-hydrated]')) w.__hydrated = performance.now();
        if (w.__firstRow !== undefined && w.__hydrated !== undefined) observer.disconnect();
      }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
    });
    await page.goto('/policies');
    await page.locator('[data-hydrated] [data-policy]').first().waitFor({ timeout: 60_000 });
    const count = page.getByTestId('board-count');
    if (!(await count.textContent())?.includes(`of ${total} policies`)) throw new Error(`the board shows ${await count.textContent()}, not ${total} policies`);
    const typedAt = await page.evaluate(() => performance.now());
    await page.getByRole('searchbox', { name: 'Search' }).fill('bench-00007');
    await page.waitForFunction(
      () =>
        /of \d+ policies/.test(document.querySelector('[data-testid="board-count"]')?.textContent ?? '') &&
        !/ of (1000|10000) policies/.test(document.querySelector('[data-testid="board-count"]')!.textContent!),
    );
    const answeredAt = await page.evaluate(() => performance.now());
    firstRender.push(await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow));
    interactive.push(await page.evaluate(() => (window as unknown as { __hydrated: number }).__hydrated));
    filterResponse.push(answeredAt - typedAt);
    // Where the first render's time goes: the HTML, the scripts, the board's one request.
    phases.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
        const board = resources.find((r) => r.name.includes('board.policies'))!;
        const scripts = resources.filter((r) => r.initiatorType === 'script');
        return {
          htmlMs: Math.round(nav.responseEnd),
          scriptsLoadedMs: Math.round(Math.max(...scripts.map((r) => r.responseEnd))),
          domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
          boardRequestStartMs: Math.round(board.startTime),
          boardRequestMs: Math.round(board.responseEnd - board.startTime),
        };
      }),
    );
    await context.close();
  }
  const phase = (key: string) => summary(phases.map((p) => p[key]!));
  return {
    firstRenderMs: summary(firstRender),
    interactiveMs: summary(interactive),
    filterResponseMs: summary(filterResponse),
    phasesMs: {
      html: phase('htmlMs'),
      scriptsLoaded: phase('scriptsLoadedMs'),
      domContentLoaded: phase('domContentLoadedMs'),
      boardRequestStart: phase('boardRequestStartMs'),
      boardRequest: phase('boardRequestMs'),
    },
  };
}

const summary = (values: number[]) => ({ median: round(percentile(values, 50), 0), p90: round(percentile(values, 90), 0), runs: values.length });

async function measureEditor(page: Page) {
  await page.goto('/policies/edit');
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  const text = editorPolicy(500);
  await page.keyboard.insertText(text);
  await page.getByText('Valid: GlobalNetworkPolicy/bench-editor').waitFor();
  await page.getByLabel('Reason').fill('benchmark');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('saved').waitFor();
  await page.goto(`/policies/edit?key=${encodeURIComponent('GlobalNetworkPolicy/bench-editor')}`);
  await page.locator('.cm-content').waitFor();
  // Type at the end of a selector on line 7, one keystroke at a time.
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[] };
    w.__frames = [];
    document.querySelector('.cm-content')!.addEventListener(
      'keydown',
      () => {
        const start = performance.now();
        requestAnimationFrame(() => setTimeout(() => w.__frames.push(performance.now() - start)));
      },
      true,
    );
    performance.clearMeasures('palisade:validate');
  });
  await page.locator('.cm-line').nth(6).click();
  await page.keyboard.press('End');
  for (let i = 0; i < KEYSTROKES; i++) {
    await page.keyboard.press(i % 2 === 0 ? 'Space' : 'Backspace');
    await sleep(30);
  }
  await sleep(300);
  const { validate, frames, lines } = await page.evaluate(() => ({
    validate: performance.getEntriesByName('palisade:validate').map((e) => e.duration),
    frames: (window as unknown as { __frames: number[] }).__frames,
    lines: document.querySelectorAll('.cm-gutterElement').length,
  }));
  return { policyLines: text.split('\n').length - 1, keystrokes: KEYSTROKES, renderedGutterLines: lines, validateMs: summaryFine(validate), inputToNextFrameMs: summaryFine(frames) };
}

const summaryFine = (values: number[]) => ({ median: round(percentile(values, 50), 2), p90: round(percentile(values, 90), 2), max: round(Math.max(...values), 2), samples: values.length });

/** JavaScript a page loads, as chromium received it. */
async function pageScripts(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => {
    const scripts = performance.getEntriesByType('resource').filter((e) => (e as PerformanceResourceTiming).initiatorType === 'script') as PerformanceResourceTiming[];
    return {
      files: scripts.length,
      encodedKiB: Math.round(scripts.reduce((n, s) => n + s.encodedBodySize, 0) / 1024),
      decodedKiB: Math.round(scripts.reduce((n, s) => n + s.decodedBodySize, 0) / 1024),
    };
  });
}

async function engineBundle() {
  const out = await build({ entryPoints: [join(root, 'libs', 'engine', 'dist', 'index.js')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const code = out.outputFiles[0]!.contents;
  return { minifiedKiB: Math.round(code.length / 1024), gzippedKiB: Math.round(gzipSync(code).length / 1024) };
}

async function main() {
  const db = await benchDatabase('bench_console');
  const services = await ensureTestServices();
  const nats = await startTestNats('bench-console');
  await applyMigrations(db.url);
  const eventKey = randomBytes(32).toString('base64');
  const database = createDbClient(db.url, { max: 2, eventKey: EventKey.fromText(eventKey) });
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const consolePort = port + 1;
  const env = { ...process.env, DATABASE_URL: db.url, NATS_URL: nats.url, NATS_AUTH_FILE: nats.authFile, TEMPORAL_ADDRESS: services.temporalAddress, LOG_LEVEL: 'warn' };
  const gateway = processOf([join(root, 'apps', 'gateway', 'dist', 'main.js')], { ...env, GATEWAY_PORT: String(port), PALISADE_EVENT_KEY: eventKey });
  const url = `http://127.0.0.1:${port}`;
  const origin = `http://127.0.0.1:${consolePort}`;
  const consoleApp = processOf(
    [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(consolePort), '-H', '127.0.0.1'],
    { ...process.env, PALISADE_GATEWAY_URL: url },
    join(root, 'apps', 'console'),
  );
  let browser: Browser | undefined;
  try {
    await until('the gateway', () => fetch(`${url}/healthz`).then((r) => r.ok), 30_000, gateway.log);
    await until('the console', () => fetch(`${origin}/signin`).then((r) => r.ok), 60_000, consoleApp.log);
    const token = (await bootstrapAdminToken(database))!.token;
    browser = await launchChromium();
    const page = await (await browser.newContext({ baseURL: origin })).newPage();
    await page.goto('/signin');
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/policies', { timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(
        `sign-in failed: ${await page
          .locator('#signin-error')
          .textContent()
          .catch(() => '')}\n${consoleApp.log()}`,
        { cause: error },
      );
    });
    const cookie = (await page.context().cookies()).find((c) => c.name === 'palisade_session')!;

    if (ONLY.has('bundles'))
      results['bundles'] = {
        engineAlone: await engineBundle(),
        pages: {
          signin: await pageScripts(await (await browser.newContext({ baseURL: origin })).newPage(), '/signin'),
          board: await pageScripts(page, '/policies'),
          editor: await pageScripts(page, '/policies/edit'),
          simulator: await pageScripts(page, '/simulate'),
        },
      };
    if (ONLY.has('bundles')) console.log('bundles', JSON.stringify(results['bundles']));

    const board: Record<string, unknown> = {};
    let seeded = 0;
    for (const size of ONLY.has('board') ? SIZES : []) {
      const started = Date.now();
      await put(url, token, boardPolicies(seeded, size));
      seeded = size;
      const seedMs = Date.now() - started;
      board[String(size)] = { ...(await measureBoard(browser, origin, { name: cookie.name, value: cookie.value }, size)), seedMs };
      console.log('board', size, JSON.stringify(board[String(size)]));
    }
    if (ONLY.has('editor')) {
      results['editor'] = await measureEditor(page);
      console.log('editor', JSON.stringify(results['editor']));
    }
    if (ONLY.has('board')) results['board'] = { ...board, target: { firstRenderMs_1000: '< 1000' }, runsEach: RUNS, page: '100 rows a page, filtered and ordered by the gateway' };
    if (ONLY.has('flows')) {
      results['flows'] = await measureFlows({ browser, origin, cookie: { name: cookie.name, value: cookie.value }, db: database, gatewayUrl: url, token, runs: RUNS });
      console.log('flows', JSON.stringify(results['flows']));
    }
    // A partial run (BENCH_ONLY) updates its parts of the last full run's figures.
    const file = join(import.meta.dirname, 'results.json');
    const kept = process.env['BENCH_ONLY'] && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(file, JSON.stringify({ ...kept, ...results }, null, 2) + '\n');
    console.log(`wrote ${join(import.meta.dirname, 'results.json')}`);
  } finally {
    await browser?.close();
    consoleApp.child.kill('SIGTERM');
    gateway.child.kill('SIGTERM');
    await database.close();
    await nats.stop();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
