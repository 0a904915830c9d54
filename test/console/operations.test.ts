/// <reference lib="dom" />
// Running policy in production from the console, in Debian's chromium, against the real stack:
// the gateway and worker as built processes, Temporal, NATS, PostgreSQL and simulated agents
// generating traffic. A rollout with an approval step is started from the console and approved
// in an approver's session; a release whose canary denies allowed traffic is rolled back with the
// offending flows shown; denied flows arrive live and "why?" lands on the deciding rule;
// recommendations from recorded traffic are saved staged, their pending verdicts shown, promoted,
// and checked by simulation (also through `palisade recommend`); an agent that stops is shown
// offline. Screenshots in reports/console/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import { launchChromium, seriousA11yViolations, type AxeViolation } from '@palisade/testing';
import { palisade, palisadeBin, root, type CliResult } from '../support/cli.js';
import { signInPage } from '../test-support/browser-session.js';
import { startTestConsole, type TestConsole } from '../test-support/console.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { startTestWorker, type TestWorker } from '../test-support/worker.js';

const SHOTS = join(root, 'reports', 'console');

// db accepts api on 5432 and refuses frontend outright; the second release moves db to 6432.
const policy = (port: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - {action: Deny, protocol: TCP, source: {selector: app == 'frontend'}}
  - {action: Allow, protocol: TCP, source: {selector: app == 'api'}, destination: {ports: [${port}]}}
`;
const EXTRA = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: cache-egress, namespace: shop}
spec:
  selector: app == 'cache'
  types: [Egress]
  egress:
  - {action: Allow}
`;
const mix = `flows:
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 2}
- {from: "app == 'frontend'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 1}
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 8080, perSecond: 2}
`;
const plan = (name: string, approval: boolean) => `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: ${name}}
spec:
  waves:
    - {name: canary, clusterSelector: "env == 'staging'", soakTime: 6s, ackTimeout: 60s, gates: {baselineWindow: 10s}}
    - {name: prod, clusterSelector: "env == 'prod'", soakTime: 0s, ackTimeout: 60s${approval ? ', requireApproval: true' : ''}}
`;

describe('operating policy from the console', () => {
  let gateway: TestGateway;
  let worker: TestWorker;
  let consoleApp: TestConsole;
  let browser: Browser;
  let fleet: ChildProcess | undefined;
  let fleetLog = '';
  const dir = mkdtempSync(join(tmpdir(), 'palisade-console-ops-'));
  let env: NodeJS.ProcessEnv = {};
  const tokens: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const a11y = new Map<string, AxeViolation[]>();
  const releases: string[] = [];
  /** What the browser saw go wrong (failed requests, console errors): printed when a test fails. */
  const browserLog: string[] = [];
  const cli = (args: string[], as = 'admin'): Promise<CliResult> => palisade(args, { ...env, PALISADE_TOKEN: tokens[as]! }, 60_000);
  const json = async <T>(args: string[], as = 'admin'): Promise<T> => {
    const r = await cli([...args, '-o', 'json'], as);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  // Each session records what its browser saw go wrong, for the failure report.
  const signIn = (token: string) =>
    signInPage(browser, consoleApp.origin, token, (page) => {
      contexts.push(page.context());
      page.on('console', (m) => m.type() === 'error' && browserLog.push(`console: ${m.text()}`));
      page.on('response', (r) => r.status() >= 400 && browserLog.push(`${r.status()} ${r.request().method()} ${r.url().slice(0, 300)}`));
      page.on('requestfailed', (r) => !r.url().includes('_rsc=') && browserLog.push(`failed ${r.method()} ${r.url().slice(0, 300)}: ${r.failure()?.errorText}`));
    });

  async function look(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    a11y.set(name, await seriousA11yViolations(page));
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const taskQueue = `console-ops-${randomUUID()}`;
    gateway = await startTestGateway('console-ops', { env: { TEMPORAL_TASK_QUEUE: taskQueue, GATEWAY_AGENT_STALE_SECONDS: '12' } });
    worker = await startTestWorker(gateway.natsUrl, taskQueue);
    tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_CONFIG: join(dir, 'config.json') };
    delete env['PALISADE_TOKEN'];
    tokens['approver'] = (await json<{ token: string }>(['token', 'create', 'avery', '--role', 'approver'])).token;
    for (const [name, label] of [
      ['staging', 'staging'],
      ['prod-eu', 'prod'],
    ] as const)
      expect((await cli(['cluster', 'register', name, '-l', `env=${label}`])).code).toBe(0);
    // The baseline every cluster runs (frontend → db already denied), the same with one more policy
    // (the release rolled out with an approval), and db moved to 6432 (denies api → db: rolled back).
    expect((await cli(['apply', '-f', file('p1.yaml', policy(5432))])).code).toBe(0);
    releases.push((await json<{ hash: string }>(['release', 'create', '--reason', 'baseline'])).hash);
    expect((await cli(['apply', '-f', file('p2.yaml', EXTRA)])).code).toBe(0);
    releases.push((await json<{ hash: string }>(['release', 'create', '--reason', 'cache egress'])).hash);
    expect((await cli(['apply', '-f', file('p3.yaml', policy(6432))])).code).toBe(0);
    releases.push((await json<{ hash: string }>(['release', 'create', '--reason', 'db on 6432'])).hash);
    for (const cluster of ['staging', 'prod-eu']) expect((await cli(['cluster', 'set-release', cluster, releases[0]!, '--reason', 'baseline'])).code).toBe(0);
    fleet = spawn(
      process.execPath,
      [palisadeBin, 'agent', 'simulate', '--clusters', 'staging,prod-eu', '--nodes', '2', '--endpoints-per-node', '6', '--traffic', file('mix.yaml', mix), '--flow-interval', '1'],
      { cwd: root, env: { ...env, PALISADE_TOKEN: tokens['admin'] }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    fleet.stdout!.on('data', (c: Buffer) => (fleetLog += c.toString()));
    fleet.stderr!.on('data', (c: Buffer) => (fleetLog += c.toString()));
    consoleApp = await startTestConsole(gateway.url);
    browser = await launchChromium();
    for (let i = 0; !fleetLog.includes('4/4 agents running'); i++) {
      if (i > 120) throw new Error(`the simulated agents did not start:\n${fleetLog}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // Every cluster enforces the baseline, and the traffic gate's baseline window sees it.
    for (let i = 0; ; i++) {
      const clusters = await json<{ name: string; observedRelease: string | null }[]>(['cluster', 'list']);
      if (clusters.every((c) => c.observedRelease === releases[0])) break;
      if (i > 60) throw new Error(`the clusters did not apply the baseline: ${JSON.stringify(clusters)}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    await new Promise((r) => setTimeout(r, 15_000));
  }, 300_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) fleet.kill('SIGKILL');
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await consoleApp?.stop();
    await worker?.stop();
    await gateway?.stop();
  });

  let admin: Page;
  let approver: Page;

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
    await admin?.screenshot({ path: join(SHOTS, `failed-${name}.png`), fullPage: true }).catch(() => undefined);
    const rollouts = await cli(['rollout', 'list', '-o', 'json']);
    console.log(
      `FAILED ${task.name}\nbrowser:\n${browserLog.slice(-30).join('\n')}\nrollouts: ${rollouts.stdout.slice(0, 3000)}\nworker:\n${worker.log().slice(-3000)}\nfleet:\n${fleetLog.slice(-2000)}`,
    );
  });

  it('starts a rollout with an approval step from the console; an approver approves it in their session; it completes', async () => {
    admin = await signIn(tokens['admin']!);
    await admin.goto('/rollouts');
    await admin.getByLabel('Release').selectOption(releases[1]!);
    await admin.getByLabel('Plan (YAML)').fill(plan('with-approval', true));
    await admin.getByTestId('dry-run').getByText('canary: staging').waitFor();
    await admin.getByLabel('Reason').fill('cache may call out');
    // Saved for the next rollout, and started from the stored plan.
    await admin.getByRole('button', { name: 'Save plan as with-approval' }).click();
    await admin.getByTestId('stored-plan').waitFor({ state: 'attached' });
    expect(await admin.getByTestId('plan-choice').inputValue()).toBe('with-approval');
    expect(await admin.getByTestId('stored-plan').textContent()).toContain('requireApproval: true');
    expect(await json<{ name: string; version: number }[]>(['rollout', 'plan', 'list'])).toEqual([expect.objectContaining({ name: 'with-approval', version: 1 })]);
    await look(admin, 'rollout-start');
    await admin.getByRole('button', { name: 'Start rollout' }).click();
    await admin.waitForURL(/\/rollouts\?id=/);
    const id = new URL(admin.url()).searchParams.get('id')!;
    // The canary's soak counts down live.
    await admin.getByTestId('soak-countdown').waitFor({ timeout: 90_000 });
    expect(await admin.getByTestId('soak-countdown').textContent()).toMatch(/soaking, \d s left|soak over/);
    await admin.locator('[data-wave="prod"][data-state="waiting-approval"]').waitFor({ timeout: 90_000 });
    expect(await admin.locator('[data-cluster="staging"]').first().textContent()).toMatch(/deny rate [\d.]+% before, [\d.]+% during the soak/);
    // An approver approves in a session of their own (and is offered no pause or abort).
    approver = await signIn(tokens['approver']!);
    await approver.goto(`/rollouts?id=${id}`);
    expect(await approver.getByRole('button', { name: 'Abort and roll back' }).count()).toBe(0);
    await approver.getByLabel('Reason').fill('canary looked fine');
    await approver.getByRole('button', { name: 'Approve' }).click();
    await look(approver, 'rollout-approve');
    await admin.locator('[data-testid="live-rollout"][data-state="completed"]').waitFor({ timeout: 90_000 });
    expect(await admin.locator('[data-wave="prod"]').textContent()).toContain('approved by token:avery');
    expect(await admin.locator('[data-cluster="prod-eu"]').first().textContent()).toMatch(/2 of 2 agents acked/);
    // Its history: every step, who took it and why.
    await admin.getByText(/^History \(\d+ steps\)$/).click();
    const approval = admin.getByTestId('rollout-history').locator('tr', { hasText: 'Approved' });
    await approval.waitFor();
    expect(await approval.textContent()).toMatch(/prod.*token:avery.*canary looked fine/);
    await look(admin, 'rollout-completed');
  }, 240_000);

  it('rolls back a release whose canary denies traffic the old one allowed, showing the offending flows', async () => {
    await admin.goto('/rollouts');
    await admin.getByLabel('Release').selectOption(releases[2]!);
    await admin.getByLabel('Plan (YAML)').fill(plan('straight', false));
    await admin.getByTestId('dry-run').getByText('canary: staging').waitFor();
    await admin.getByRole('button', { name: 'Start rollout' }).click();
    await admin.waitForURL(/\/rollouts\?id=/);
    await admin.locator('[data-testid="live-rollout"][data-state="failed"]').waitFor({ timeout: 120_000 });
    expect(await admin.getByTestId('live-rollout').textContent()).toContain('traffic gate');
    const evidence = await admin.getByTestId('evidence').textContent();
    expect(evidence).toContain('5432');
    expect(evidence).toMatch(/api/);
    await look(admin, 'rollout-rolled-back');
  }, 240_000);

  it('shows denied flows arriving live; "why?" lands on the deciding rule', async () => {
    await admin.goto('/flows');
    await admin.getByLabel('Action').selectOption('Deny');
    const denied = admin.locator('[data-testid="live-flows"] tr[data-action="Deny"]');
    await denied.filter({ hasText: 'frontend' }).first().waitFor({ timeout: 60_000 });
    await admin.getByTestId('flow-chart').waitFor();
    await admin.getByTestId('top-denied').getByText('frontend').first().waitFor();
    await look(admin, 'flows');
    await denied.filter({ hasText: 'frontend' }).first().getByRole('link', { name: 'why?' }).click();
    await admin.waitForURL(/\/simulate\?/);
    await admin.getByTestId('verdict').waitFor({ timeout: 30_000 });
    expect(await admin.getByTestId('verdict').textContent()).toMatch(/^Denied/);
    expect(await admin.locator('[data-decides="true"]').first().textContent()).toContain('NetworkPolicy shop/db-ingress rule 0 (Deny)');
    // Decided on what the flow's cluster enforces, not on the policy set's head.
    expect(await admin.getByTestId('deciding-release').textContent()).toMatch(/Deciding with release [0-9a-f]{12}, which (staging|prod-eu)'s agents enforce/);
    await look(admin, 'flows-why');
  });

  it('shows the service graph with verdict-coloured edges and the rules behind one', async () => {
    await admin.goto('/graph');
    await admin.getByTestId('service-graph').locator('.react-flow__node').first().waitFor({ timeout: 30_000 });
    const row = admin.locator('[data-edge="shop/frontend→shop/db"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Details' }).click();
    expect(await admin.getByTestId('edge-details').textContent()).toContain('db-ingress');
    await look(admin, 'graph');
  });

  it('recommends least privilege from recorded traffic, saves it staged, shows pending verdicts, promotes it', { timeout: 120_000 }, async () => {
    await admin.goto('/recommend');
    await admin.getByLabel('Namespace').fill('shop');
    await admin.getByLabel("Cluster (its agents' endpoints and flows)").fill('staging');
    await admin.getByRole('button', { name: 'Recommend' }).click();
    const summary = admin.getByTestId('recommend-summary');
    await summary.waitFor({ timeout: 30_000 });
    expect(await summary.textContent()).toMatch(/\d+ rules for \d+ distinct observed conversations/);
    const names = await admin.locator('[data-recommended]').evaluateAll((els) => els.map((e) => e.getAttribute('data-recommended')));
    expect(names).toEqual(expect.arrayContaining(['recommended-api', 'recommended-db', 'recommended-frontend', 'recommended-cache']));
    await look(admin, 'recommend-generated');
    await admin.getByTestId('recommend-preview').waitFor();
    expect(await admin.getByTestId('recommend-preview').textContent()).toMatch(/would deny 0 of the \d+ recorded flows/);
    await admin.getByLabel('Reason').fill('least privilege for shop');
    await admin.getByRole('button', { name: 'Save as staged' }).click();
    await admin.getByTestId('pending-summary').waitFor({ timeout: 30_000 });
    expect(await admin.getByTestId('pending-summary').textContent()).toMatch(/^\d+ recorded flows: 0 allowed now would be denied/);
    await look(admin, 'recommend');
    await admin.getByRole('button', { name: 'Promote to enforced' }).click();
    await admin.getByTestId('recommend-promoted').waitFor();
    // Recorded (allowed) traffic stays allowed; what was never seen is denied.
    const sim = await json<{ allowed: boolean }[]>([
      'simulate',
      '--remote',
      '--cluster',
      'staging',
      '--probes',
      file(
        'probes.json',
        JSON.stringify([
          { from: '10.100.0.2', to: '10.100.0.5', protocol: 'TCP', port: 5432 },
          { from: '10.100.0.2', to: '10.100.0.6', protocol: 'TCP', port: 6379 },
        ]),
      ),
    ]);
    expect(sim.map((r) => r.allowed)).toEqual([true, false]);
  });

  it('recommends through `palisade recommend` too', async () => {
    const r = await cli(['recommend', '-n', 'shop', '--cluster', 'staging', '--window', '30m']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kind: StagedNetworkPolicy');
    expect(r.stdout, r.stderr).toContain('palisade.dev/covers');
    expect(r.stderr).toMatch(/staged policies for shop: \d+ rules for \d+ distinct observed conversations/);
  });

  it('marks an agent that stopped as offline', async () => {
    fleet!.kill('SIGKILL');
    await admin.goto('/clusters?name=staging');
    await admin.locator('[data-node][data-state="offline"]').first().waitFor({ timeout: 60_000 });
    await look(admin, 'clusters-offline');
  });

  it('has no serious or critical accessibility violation on any page', () => {
    expect(JSON.stringify(Object.fromEntries([...a11y].filter(([, v]) => v.length > 0)), null, 1)).toBe('{}');
  });
});
