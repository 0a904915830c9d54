/// <reference lib="dom" />
// The console in a real browser (Debian's chromium, driven by playwright-core) against the built
// console and gateway on real PostgreSQL and NATS: sign in, write a policy with a typo and see the
// located error, fix and save it with a reason, watch it arrive live in a second session, preview
// a change that unselects endpoints, simulate a flow, read an endpoint's effective policy, find
// the audit entry and travel back before it, create and diff releases. A developer sees no edit
// controls where they may not write, and a forged write is refused by the gateway. Every page is
// screenshotted (reports/console/) and checked with axe-core.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@palisade/api';
import { bootstrapAdminToken, createToken } from '@palisade/domain';
import { insertFlows } from '@palisade/flow-store';
import { launchChromium, seriousA11yViolations, type AxeViolation } from '@palisade/testing';
import { root } from '../support/cli.js';
import { signInPage } from '../test-support/browser-session.js';
import { startTestConsole, type TestConsole } from '../test-support/console.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { seedShop, TYPO_POLICY, FIXED_POLICY } from './shop.js';

const SHOTS = join(root, 'reports', 'console');

describe('the console in a browser', () => {
  let gateway: TestGateway;
  let consoleApp: TestConsole;
  let browser: Browser;
  let adminToken = '';
  let developerToken = '';
  let admin: ReturnType<typeof createTRPCClient<AppRouter>>;
  const contexts: BrowserContext[] = [];
  const a11y = new Map<string, AxeViolation[]>();

  /** A signed-in browser session of its own (cookies are per context). */
  const signIn = (token: string) => signInPage(browser, consoleApp.origin, token, (page) => contexts.push(page.context()));

  /** A screenshot kept as an artifact, and the page's serious accessibility violations recorded. */
  async function look(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    a11y.set(name, await seriousA11yViolations(page));
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startTestGateway('console-browser');
    adminToken = (await bootstrapAdminToken(gateway.database))!.token;
    developerToken = (await createToken(gateway.database, { name: 'dana', role: 'developer', namespaces: ['shop'] }, 'test')).token;
    admin = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${gateway.url}/trpc`, headers: { authorization: `Bearer ${adminToken}` } })] });
    await seedShop(admin);
    consoleApp = await startTestConsole(gateway.url);
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await consoleApp?.stop();
    await gateway?.stop();
  });

  let adminPage: Page;
  let livePage: Page;

  it('signs in with an API token; the board lists every policy by name, tiers in order', async () => {
    const page = (adminPage = await signIn(adminToken));
    await page
      .getByText('GlobalNetworkPolicy', { exact: false })
      .first()
      .waitFor()
      .catch(() => undefined);
    await page.locator('[data-policy="GlobalNetworkPolicy/allow-db-from-api"]').waitFor();
    const tiers = await page.locator('[data-tier]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tier')));
    expect(tiers).toEqual(['security', 'default']);
    for (const name of ['security.base', 'api-allow', 'allow-db-from-api']) await expect(page.getByRole('link', { name, exact: true }).count()).resolves.toBe(1);
    await look(page, 'board');
  });

  it('underlines a selector typo at its line and column before saving, then saves the fix with a reason', async () => {
    // A second session (the developer's) watches the board while the admin writes.
    livePage = await signIn(developerToken);
    const page = adminPage;
    await page.goto('/policies/edit');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(TYPO_POLICY);
    const problem = page.locator('[data-testid="problems"] li');
    await problem.first().waitFor();
    expect(await problem.first().textContent()).toMatch(/^Line 6, column 3 \(spec\.selector\): is not a valid selector/);
    expect(await page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await look(page, 'editor-error');

    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(FIXED_POLICY);
    await page.getByText('Valid: GlobalNetworkPolicy/deny-frontend-to-db').waitFor();
    await page.getByLabel('Reason').fill('block frontend from db');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('saved').waitFor();
    expect(await page.getByTestId('saved').textContent()).toContain('GlobalNetworkPolicy/deny-frontend-to-db as version 1');
    await look(page, 'editor-saved');
  });

  it('shows the saved policy on the board in Calico order, and live in the other session', async () => {
    // The other session never reloaded: the change reached it through events.subscribe.
    await livePage.locator('[data-policy="GlobalNetworkPolicy/deny-frontend-to-db"]').waitFor({ timeout: 15_000 });
    await look(livePage, 'board-live');
    await adminPage.goto('/policies');
    const rows = adminPage.locator('[data-tier="default"] [data-policy]');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-policy')))).toEqual([
      'GlobalNetworkPolicy/deny-frontend-to-db',
      'NetworkPolicy/shop/api-allow',
      'GlobalNetworkPolicy/allow-db-from-api',
    ]);
    const row = adminPage.locator('[data-policy="GlobalNetworkPolicy/deny-frontend-to-db"]');
    expect(await row.textContent()).toContain('block frontend from db');
  });

  it('previews a change, made in the form view, that unselects endpoints and flips a flow', async () => {
    const page = adminPage;
    await page.goto(`/policies/edit?key=${encodeURIComponent('GlobalNetworkPolicy/allow-db-from-api')}`);
    await page.getByRole('tab', { name: 'Form' }).click();
    await page.getByLabel('Selector').fill("app == 'nothing'");
    await page.getByRole('tab', { name: 'YAML' }).click();
    expect(await page.locator('.cm-content').textContent()).toContain("selector: app == 'nothing'");
    await page.getByLabel('Flows to check').fill('shop/api shop/db TCP 5432');
    // Flows the agents recorded join the typed ones.
    const now = Date.now();
    const end = (name: string, ip: string) => ({ namespace: 'shop', name, labels: { app: name }, ip });
    await insertFlows(gateway.database, [
      {
        id: 'a'.repeat(32),
        cluster: 'prod-eu',
        node: 'node-1',
        reporter: 'dst',
        startTime: new Date(now - 60_000).toISOString(),
        endTime: new Date(now - 30_000).toISOString(),
        source: end('frontend', '10.1.0.1'),
        destination: end('api', '10.1.0.2'),
        protocol: 'TCP',
        port: 8080,
        action: 'Allow',
        policy: 'default/NetworkPolicy/shop/api-allow/0',
        packets: 10,
        bytes: 1000,
        connectionsStarted: 1,
        connectionsCompleted: 1,
      },
    ]);
    await page.getByRole('button', { name: 'Add recorded flows (last hour)' }).click();
    await page.getByText('1 distinct flow recorded in the last hour added.').waitFor();
    expect(await page.getByLabel('Flows to check').inputValue()).toBe('shop/api shop/db TCP 5432\nshop/frontend shop/api TCP 8080');
    await page.getByRole('button', { name: 'Preview impact' }).click();
    await page.getByTestId('unselected').waitFor();
    expect(await page.getByTestId('unselected').textContent()).toContain('shop/db');
    expect(await page.getByTestId('impact').textContent()).toMatch(/shop\/api → shop\/db TCP\/5432: allowed .* → denied/);
    // The diff against the stored version shows the one changed line.
    expect(await page.getByRole('table', { name: 'Changes against the stored version' }).textContent()).toContain("app == 'nothing'");
    await look(page, 'editor-preview');
  });

  it('simulates a flow and highlights the deciding rule', async () => {
    const page = adminPage;
    await page.goto('/simulate');
    await page.getByLabel('Source').fill('shop/frontend');
    await page.getByLabel('Destination').fill('shop/db');
    await page.getByLabel('Port').fill('5432');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByTestId('verdict').waitFor();
    expect(await page.getByTestId('verdict').textContent()).toMatch(/^Denied/);
    const decider = page.locator('[data-decides="true"]');
    expect(await decider.first().textContent()).toContain('GlobalNetworkPolicy deny-frontend-to-db rule 0 (Deny)');
    await look(page, 'simulator');
  });

  it("opens an endpoint's effective policy, tiers and rules in order", async () => {
    const page = adminPage;
    await page.goto('/endpoints');
    await page.getByRole('link', { name: 'shop/db', exact: true }).click();
    const effective = page.getByTestId('effective-policy');
    await effective.waitFor();
    const ingress = await effective.locator('[data-direction="ingress"] [data-policy]').evaluateAll((els) => els.map((e) => e.getAttribute('data-policy')));
    expect(ingress).toEqual(['GlobalNetworkPolicy/security.base', 'GlobalNetworkPolicy/deny-frontend-to-db', 'GlobalNetworkPolicy/allow-db-from-api']);
    await look(page, 'endpoints');
  });

  it('finds the audit entry with its diff, and travels back to before it', async () => {
    const page = adminPage;
    await page.goto('/audit');
    await page.getByRole('textbox', { name: 'Resource' }).fill('GlobalNetworkPolicy/deny-frontend-to-db');
    const entry = page.locator('[data-stream="resource/GlobalNetworkPolicy/deny-frontend-to-db"]');
    await entry.waitFor();
    expect(await entry.count()).toBe(1);
    expect(await entry.textContent()).toContain('block frontend from db');
    await entry.getByRole('button', { name: 'Show diff' }).click();
    const diff = page.getByRole('table', { name: 'Diff of GlobalNetworkPolicy/deny-frontend-to-db' });
    expect(await diff.textContent()).toContain("selector: app == 'db'");
    await page.getByTestId('chain-status').getByText('Hash chain intact').waitFor();
    await look(page, 'audit');
    await entry.getByRole('link', { name: 'Board before this' }).click();
    await page.getByTestId('time-travel').waitFor();
    await page.locator('[data-policy="GlobalNetworkPolicy/allow-db-from-api"]').waitFor();
    expect(await page.locator('[data-policy="GlobalNetworkPolicy/deny-frontend-to-db"]').count()).toBe(0);
    await look(page, 'board-time-travel');
  });

  it('creates releases with a reason and diffs two field by field', async () => {
    const page = adminPage;
    await page.goto('/releases');
    await page.getByLabel('Reason').fill('first release');
    await page.getByRole('button', { name: 'Create release' }).click();
    // The new release shows in the list (which follows the log a moment behind).
    const made = async () => {
      await page.getByTestId('release-created').waitFor();
      const prefix = /[0-9a-f]{12}/.exec((await page.getByTestId('release-created').textContent())!)![0];
      const row = page.locator(`[data-release^="${prefix}"]`);
      await row.waitFor();
      return (await row.getAttribute('data-release'))!;
    };
    const first = await made();
    const stored = await admin.resources.get.query({ key: 'NetworkPolicy/shop/api-allow' });
    await admin.resources.put.mutate({ resources: [{ ...stored.resource, spec: { ...(stored.resource as { spec: object }).spec, order: 150 } }], reason: 'api later' });
    await page.getByLabel('Reason').fill('second release');
    await page.getByRole('button', { name: 'Create release' }).click();
    await page
      .getByTestId('release-created')
      .filter({ hasNotText: first.slice(0, 12) })
      .waitFor();
    const second = await made();
    expect(second).not.toBe(first);
    await page.getByLabel('From').selectOption(first);
    await page.getByLabel('To').selectOption(second);
    const diff = page.getByTestId('set-diff');
    await diff.waitFor();
    expect(await diff.textContent()).toMatch(/NetworkPolicy\/shop\/api-allow.*spec\.order.*100.*150/s);
    await look(page, 'releases');
    await page.goto('/tokens');
    await page.getByRole('cell', { name: 'bootstrap-admin', exact: true }).waitFor();
    await look(page, 'tokens');
  });

  it("never overwrites someone else's change: shows theirs and merges the edit onto it", async () => {
    const page = adminPage;
    const key = 'NetworkPolicy/shop/api-allow';
    await page.goto(`/policies/edit?key=${encodeURIComponent(key)}`);
    await page.getByRole('tab', { name: 'Form' }).click();
    await page.getByLabel('ingress rule 0 ports').fill('8080, 8443');
    // Meanwhile someone else moves the policy.
    const stored = await admin.resources.get.query({ key });
    await admin.resources.put.mutate({ resources: [{ ...stored.resource, spec: { ...(stored.resource as { spec: object }).spec, order: 175 } }], reason: 'someone else' });
    await page.getByLabel('Reason').fill('also 8443');
    await page.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.getByRole('table', { name: 'Their change' }).textContent()).toContain('order: 175');
    await look(page, 'editor-conflict');
    await conflict.getByRole('button', { name: 'Merge my change onto theirs' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('saved').waitFor();
    const merged = (await admin.resources.get.query({ key })).resource as { spec: { order: number; ingress: { destination: { ports: number[] } }[] } };
    expect([merged.spec.order, merged.spec.ingress[0]!.destination.ports]).toEqual([175, [8080, 8443]]);
  });

  it('shows a developer no edit controls for global policy, and the gateway refuses the write forged by hand', async () => {
    const page = livePage;
    await page.goto(`/policies/edit?key=${encodeURIComponent('GlobalNetworkPolicy/deny-frontend-to-db')}`);
    await page.getByTestId('read-only').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.locator('.cm-content').getAttribute('contenteditable')).toBe('false');
    await look(page, 'editor-developer');
    // Their own namespace is editable; another namespace's policy is not offered either.
    await page.goto(`/policies/edit?key=${encodeURIComponent('NetworkPolicy/shop/api-allow')}`);
    await page.getByRole('button', { name: 'Save' }).waitFor();
    const forged = await page.evaluate(async () => {
      const write = (resource: object) =>
        fetch('/api/trpc/resources.put', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resources: [resource], reason: 'forged' }) }).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        }));
      return [
        await write({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'forged' }, spec: { selector: 'all()' } }),
        await write({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'forged', namespace: 'payments' }, spec: { selector: 'all()' } }),
      ];
    });
    for (const answer of forged) {
      expect(answer.status).toBe(403);
      expect(answer.body).toContain('FORBIDDEN');
    }
    await expect(admin.resources.get.query({ key: 'GlobalNetworkPolicy/forged' })).rejects.toThrow(/does not exist/);
  });

  it('keeps the token in an httpOnly cookie only: never in the page, its storage, or the console log', async () => {
    for (const [page, token] of [
      [adminPage, adminToken],
      [livePage, developerToken],
    ] as const) {
      const cookies = await page.context().cookies();
      const session = cookies.find((c) => c.name === 'palisade_session')!;
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(session.value).not.toContain(token);
      const seen = await page.evaluate(() => ({
        cookie: document.cookie,
        html: document.documentElement.outerHTML,
        storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
      }));
      expect(seen.cookie).not.toContain('palisade_session');
      for (const text of [seen.html, seen.storage, await page.content()]) expect(text).not.toContain(token);
      expect(consoleApp.log()).not.toContain(token);
    }
  });

  it('fits a phone screen: the page never scrolls sideways (wide tables scroll inside themselves)', async () => {
    const page = adminPage;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name] of [
      ['/policies', 'board-phone'],
      [`/policies/edit?key=${encodeURIComponent('GlobalNetworkPolicy/deny-frontend-to-db')}`, 'editor-phone'],
    ] as const) {
      await page.goto(path);
      await page.locator('main h1').waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await look(page, name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('has no serious or critical accessibility violation on any page', async () => {
    // The checker itself finds what it should: a nameless button is a critical violation.
    const probe = await contexts[0]!.newPage();
    await probe.setContent('<html lang="en"><body><main><button></button></main></body></html>');
    expect((await seriousA11yViolations(probe)).map((v) => v.id)).toContain('button-name');
    await probe.close();
    expect([...a11y.keys()].sort()).toEqual([
      'audit',
      'board',
      'board-live',
      'board-phone',
      'board-time-travel',
      'editor-conflict',
      'editor-developer',
      'editor-error',
      'editor-phone',
      'editor-preview',
      'editor-saved',
      'endpoints',
      'releases',
      'simulator',
      'tokens',
    ]);
    expect(JSON.stringify(Object.fromEntries([...a11y].filter(([, v]) => v.length > 0)), null, 1)).toBe('{}');
  });

  it('serves Prometheus metrics: the gateway up, and the requests it passed on counted', async () => {
    const response = await fetch(`${consoleApp.origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('palisade_console_gateway_up')).toBe(1);
    // Every page above reached the gateway through the console's proxy.
    expect(value('palisade_console_proxy_requests_total')).toBeGreaterThan(20);
    expect(value('palisade_console_proxy_unreachable_total')).toBe(0);
  });
});
