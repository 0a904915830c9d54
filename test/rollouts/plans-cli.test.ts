// Rollout plans as people use them: checked locally with located errors, stored through the
// gateway by a security admin (not a viewer), and a dry run that names the clusters each wave
// takes from the clusters registered now.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken, domainProjection } from '@palisade/domain';
import { catchUp } from '@palisade/event-store';
import { palisade, type CliResult } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

const plan = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: { name: two-waves }
spec:
  waves:
    - { name: canary, clusterSelector: "env == 'staging'", soakTime: 0s }
    - { name: prod, clusterSelector: "env == 'prod'", maxConcurrentClusters: 2, soakTime: 0s, requireApproval: true }
`;

describe('palisade rollout plan', () => {
  let gateway: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'palisade-plans-'));
  let env: NodeJS.ProcessEnv = {};
  const tokens: Record<string, string> = {};
  const cli = (args: string[], as?: string): Promise<CliResult> => palisade(args, as ? { ...env, PALISADE_TOKEN: tokens[as]! } : env, 60_000);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    gateway = await startTestGateway('plans');
    tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_CONFIG: join(dir, 'config.json') };
    delete env['PALISADE_TOKEN'];
    for (const role of ['viewer', 'security-admin']) {
      const made = await cli(['token', 'create', role, '--role', role, '-o', 'json'], 'admin');
      expect(made.code, made.stderr).toBe(0);
      tokens[role] = (JSON.parse(made.stdout) as { token: string }).token;
    }
    for (const [name, label] of [
      ['staging', 'staging'],
      ['prod-eu', 'prod'],
      ['prod-us', 'prod'],
      ['dev', 'dev'],
    ] as const)
      expect((await cli(['cluster', 'register', name, '-l', `env=${label}`], 'admin')).code).toBe(0);
    await catchUp(gateway.database, domainProjection);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates a plan file locally: exit 0 with its waves, exit 1 with each problem at its line', async () => {
    const ok = await cli(['rollout', 'plan', 'validate', '-f', file('plan.yaml', plan)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('valid    RolloutPlan two-waves');
    expect(ok.stdout).toContain("wave prod: env == 'prod', 2 at a time, soak 0s, approval required");
    const bad = file('bad.yaml', plan.replace('maxConcurrentClusters: 2', 'maxConcurrentClusters: 0').replace('soakTime: 0s }', 'soakTime: soon }'));
    const refused = await cli(['rollout', 'plan', 'validate', '-f', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`${bad}:6:60  spec.waves[0].soakTime: "soon" is not a duration`);
    expect(refused.stdout).toMatch(new RegExp(`${bad}:7:\\d+  spec.waves\\[1\\].maxConcurrentClusters: `));
  });

  it('stores a plan for a security admin, refuses a viewer, and dry-runs it against the registered clusters', async () => {
    const path = file('plan.yaml', plan);
    const viewer = await cli(['rollout', 'plan', 'apply', '-f', path], 'viewer');
    expect(viewer.code).toBe(4);
    expect(viewer.stderr).toContain('lacks rollout:manage');
    const saved = await cli(['rollout', 'plan', 'apply', '-f', path, '--reason', 'staged prod', '-o', 'json'], 'security-admin');
    expect(saved.code, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toEqual({ name: 'two-waves', version: 1, changed: true });
    expect((await cli(['rollout', 'plan', 'list'], 'viewer')).stdout).toMatch(/two-waves\s+canary > prod\s+1\s+token:security-admin#/);
    expect((await cli(['rollout', 'plan', 'get', 'two-waves'], 'viewer')).stdout.trim()).toBe(plan.trim());
    const dry = await cli(['rollout', 'plan', 'dry-run', 'two-waves', '-o', 'json'], 'viewer');
    expect(dry.code, dry.stderr).toBe(0);
    const waves = JSON.parse(dry.stdout) as { waves: { name: string; clusters: string[] }[]; left: string[] };
    expect(waves.waves.map((w) => [w.name, w.clusters])).toEqual([
      ['canary', ['staging']],
      ['prod', ['prod-eu', 'prod-us']],
    ]);
    expect(waves.left).toEqual(['dev']);
    const text = await cli(['rollout', 'plan', 'dry-run', '-f', path], 'viewer');
    expect(text.stdout).toContain('2. prod: prod-eu, prod-us  [2 at a time, ack within 5m, soak 0s, waits for approval]');
    expect(text.stdout).toContain('left on their current release (no wave takes them): dev');
    // A plan with problems is refused by the gateway too, located, and nothing is stored.
    const bad = await cli(['rollout', 'plan', 'apply', '-f', file('bad.yaml', plan.replace('two-waves', 'other').replace('0s }', 'later }'))], 'security-admin');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('spec.waves[0].soakTime');
    expect((await cli(['rollout', 'plan', 'get', 'other'], 'viewer')).code).toBe(6);
  });
});
