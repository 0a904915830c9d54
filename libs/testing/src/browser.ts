import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { acquireLock, aptInstall } from '@palisade/stack';
import { testStackHome } from './services.js';

// Browser tests drive Debian's chromium with playwright-core: no browser download, ever. The
// package is installed with apt the first time a test needs it.

export const CHROMIUM = process.env['PALISADE_CHROMIUM'] ?? '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Installs Debian's chromium when it is missing (one installer at a time across processes). */
export async function ensureChromium(log: (line: string) => void = (line) => console.log(line)): Promise<string> {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const home = testStackHome();
  mkdirSync(home, { recursive: true });
  const release = await acquireLock(join(home, 'chromium.lock'), 15 * 60_000);
  try {
    if (!existsSync(CHROMIUM)) await aptInstall('chromium', 'chromium', log);
  } finally {
    release();
  }
  return CHROMIUM;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await ensureChromium(), args: ARGS });
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (injected into the page) and returns the serious and critical violations:
 * what a keyboard or screen-reader user would be blocked by.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    // This runs in the page (this library has no DOM types): the page's globals, typed by hand.
    const page = globalThis as unknown as {
      axe: { run(context: unknown, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> };
      document: unknown;
    };
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
