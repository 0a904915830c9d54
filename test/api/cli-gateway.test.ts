// The gateway as a user runs it: its built process on the real services (PostgreSQL, NATS,
// Temporal), a token for each role, and the `palisade` CLI driving it as people and scripts do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import type { DbClient } from '@palisade/event-store';
import { palisade, root, type CliResult } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { connectBus, subjects } from '@palisade/bus';

const SEED = join(root, 'libs', 'engine', 'fixtures', 'seed-policies.yaml');
const seedDocs = parseAllDocuments(readFileSync(SEED, 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });

describe('palisade CLI against the gateway on the real stack', () => {
  let gateway: TestGateway;
  let database: DbClient;
  const dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
  let env: NodeJS.ProcessEnv = {};
  const tokens: Record<string, string> = {};

  // The actor a role's token records: token:<name>#<id>(<role>), the id being in the token itself.
  const actorOf = (role: string, name = role) => `token:${name}#${tokens[role]!.slice(4, 16)}(${role})`;
  const cli = (args: string[], as?: string): Promise<CliResult> => palisade(args, as ? { ...env, PALISADE_TOKEN: tokens[as]! } : env, 60_000);
  const events = async () => Number((await database.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`)[0]!.n);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    gateway = await startTestGateway('cli');
    database = gateway.database;
    const bootstrap = await bootstrapAdminToken(database);
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_CONFIG: join(dir, 'config.json') };
    delete env['PALISADE_TOKEN'];
    tokens['admin'] = bootstrap!.token;
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the bootstrap admin token and creates a token for each role', async () => {
    const login = await cli(['login'], 'admin');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`as ${actorOf('admin', 'bootstrap-admin')};`);
    expect((await cli(['whoami'])).stdout).toContain(`${actorOf('admin', 'bootstrap-admin')} at`); // from the saved config
    for (const [role, extra] of [
      ['viewer', []],
      ['developer', ['-n', 'production']],
      ['security-admin', []],
      ['approver', []],
    ] as const) {
      const made = await cli(['token', 'create', role, '--role', role, ...extra, '-o', 'json']);
      expect(made.code, made.stderr).toBe(0);
      tokens[role] = (JSON.parse(made.stdout) as { token: string }).token;
    }
    // A live token's name is its own: an admin token named like the developer's is refused.
    const clash = await cli(['token', 'create', 'developer', '--role', 'admin']);
    expect(clash.code).toBe(5);
    expect(clash.stderr).toContain(`palisade token create: token name "developer" is taken: live token ${tokens['developer']!.slice(4, 16)} (developer, expires `);
    const list = await cli(['token', 'list']);
    expect(list.stdout).toMatch(/developer\s+developer\s+production/);
    expect(list.stdout).not.toContain(tokens['developer']!.slice(17));
    // Only admins manage tokens.
    const refused = await cli(['token', 'list'], 'security-admin');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('lacks token:manage');
  });

  let firstPosition = 0;

  it("applies the seed guide's policies and gets every one back identical", async () => {
    const applied = await cli(['apply', '-f', SEED, '--reason', 'adopt the seed policies'], 'security-admin');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`${seedDocs.length} applied, 0 unchanged`);
    for (const doc of seedDocs) {
      const got = await cli(['get', doc.kind === 'GlobalNetworkPolicy' ? 'gnp' : 'np', doc.metadata.name, ...(doc.metadata.namespace ? ['-n', doc.metadata.namespace] : []), '-o', 'json'], 'viewer');
      expect(got.code, got.stderr).toBe(0);
      const resource = JSON.parse(got.stdout) as { metadata: Record<string, unknown> };
      expect(resource.metadata['resourceVersion']).toBe('1');
      delete resource.metadata['resourceVersion'];
      expect(resource).toEqual(doc);
    }
    // Applying the same again changes nothing.
    expect((await cli(['apply', '-f', SEED], 'security-admin')).stdout).toContain(`0 applied, ${seedDocs.length} unchanged`);
    const audit = JSON.parse((await cli(['audit', '--kind', 'np', '--name', 'allow-tcp-6379', '-n', 'production', '-o', 'json'], 'viewer')).stdout) as { position: number }[];
    firstPosition = audit[0]!.position;
  });

  it('refuses the loser of two concurrent updates from the same version, and keeps the winner', async () => {
    const got = await cli(['get', 'np', 'allow-tcp-6379', '-n', 'production', '-o', 'yaml'], 'security-admin');
    const a = file('a.yaml', got.stdout.replace('- 6379', '- 6380'));
    const b = file('b.yaml', got.stdout.replace('- 6379', '- 6381'));
    const [ra, rb] = await Promise.all([cli(['apply', '-f', a, '--reason', 'move to 6380'], 'security-admin'), cli(['apply', '-f', b, '--reason', 'move to 6381'], 'admin')]);
    const codes = [ra.code, rb.code].sort();
    expect(codes, ra.stderr + rb.stderr).toEqual([0, 5]);
    const loser = ra.code === 5 ? ra : rb;
    expect(loser.stderr).toMatch(/NetworkPolicy\/production\/allow-tcp-6379 is at version 2, not the expected 1: it changed since it was read/);
    const now = await cli(['get', 'np', 'allow-tcp-6379', '-n', 'production', '-o', 'yaml'], 'viewer');
    expect(now.stdout).toContain(ra.code === 0 ? '- 6380' : '- 6381');
    expect(now.stdout).toContain('resourceVersion: "2"');
  });

  it("refuses a developer's write outside their namespace, and a viewer's write anywhere, storing nothing", async () => {
    const before = await events();
    const elsewhere = file('staging.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: staging}\nspec: {podSelector: {}}\n');
    const refused = await cli(['apply', '-f', elsewhere], 'developer');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`${actorOf('developer')} may not write in namespace staging (write:namespaced-policy is granted in: production)`);
    const tier = file('tier.yaml', 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: dev-global}\nspec: {selector: all()}\n');
    expect((await cli(['apply', '-f', tier], 'developer')).stderr).toContain('lacks write:global-policy');
    expect((await cli(['apply', '-f', SEED], 'viewer')).code).toBe(4);
    expect(await events()).toBe(before);
    expect((await cli(['get', 'knp', 'web', '-n', 'staging'], 'viewer')).code).toBe(6);
    // In their own namespace, the developer's write lands with them as the actor.
    const own = file('own.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: production}\nspec: {podSelector: {matchLabels: {app: web}}}\n');
    expect((await cli(['apply', '-f', own, '--reason', 'web only'], 'developer')).code).toBe(0);
  });

  it('refuses an invalid policy with every error located, storing nothing', async () => {
    const before = await events();
    const bad = file(
      'bad.yaml',
      "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: broken\n  namespace: production\nspec:\n  selector: color == 'red\n  ingress:\n    - action: Allow\n      protocol: TCP\n      source:\n        selector: shape in {circle\n",
    );
    const refused = await cli(['apply', '-f', bad, '--reason', 'should not land'], 'security-admin');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused, nothing was written');
    expect(refused.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: spec\\.selector: `));
    expect(refused.stderr).toMatch(/bad\.yaml:12:\d+: spec\.ingress\[0\]\.source\.selector: /);
    expect(await events()).toBe(before);
    expect((await cli(['get', 'np', 'broken', '-n', 'production'], 'viewer')).code).toBe(6);
    // The local validator says the same without a gateway.
    expect((await palisade(['validate', '-f', bad], {}, 60_000)).stdout).toMatch(/spec\.selector/);
  });

  it('lists every change in the audit history with its actor and reason', async () => {
    const log = JSON.parse((await cli(['audit', '--limit', '1000', '-o', 'json'], 'viewer')).stdout) as { type: string; streamId: string; actor: string; reason: string | null }[];
    const changes = log.filter((e) => e.type.startsWith('Resource.'));
    // The seed (8), one winning concurrent update, the developer's own policy: nothing refused is there.
    expect(changes).toHaveLength(seedDocs.length + 2);
    expect(changes.slice(0, seedDocs.length).every((e) => e.actor === actorOf('security-admin') && e.reason === 'adopt the seed policies')).toBe(true);
    expect(changes[seedDocs.length]).toMatchObject({ streamId: 'resource/NetworkPolicy/production/allow-tcp-6379', reason: expect.stringMatching(/^move to 638[01]$/) });
    expect(changes[seedDocs.length + 1]).toMatchObject({ actor: actorOf('developer'), reason: 'web only', streamId: 'resource/KubernetesNetworkPolicy/production/web' });
    expect(log.filter((e) => e.type === 'Token.Created').map((e) => e.actor)).toEqual(['system:bootstrap', ...Array(4).fill(actorOf('admin', 'bootstrap-admin'))]);
    // A full verification reads every event: security admins and admins only.
    expect((await cli(['audit', 'verify', '--remote'], 'viewer')).stderr).toContain('lacks audit:verify');
    const verify = await cli(['audit', 'verify', '--remote'], 'security-admin');
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: \d+ events verified/);
    for (const actor of ['token:developer', tokens['developer']!.slice(4, 16)]) {
      const table = await cli(['audit', '--actor', actor], 'viewer');
      expect(table.stdout).toMatch(/Resource\.Applied\s+KubernetesNetworkPolicy\/production\/web\s+web only/);
    }
  });

  it("lists the agents it hears from, and each node's state in its cluster", async () => {
    expect((await cli(['cluster', 'register', 'edge', '-l', 'env=edge'], 'admin')).code).toBe(0);
    const nc = await connectBus({ url: gateway.natsUrl, name: 'e2e-agent' });
    try {
      const release = 'c'.repeat(64);
      const lastDrift = { at: '2026-12-02T10:00:00.000Z', change: 'chain palisade/ingress: 1 rule added out of band: tcp dport 22 accept' };
      const beat = (node: string) => ({
        cluster: 'edge',
        node,
        agentVersion: '0.1.0',
        sentAt: new Date().toISOString(),
        uptimeSeconds: 3,
        status: { state: 'applied', release, lastError: null, lastDrift },
      });
      let listed: unknown[] = [];
      for (let i = 0; i < 30 && listed.length === 0; i++) {
        nc.publish(subjects.agentHeartbeat('edge', 'node-1'), JSON.stringify(beat('node-1')));
        // A body that names another node than its subject is not believed.
        nc.publish(subjects.agentHeartbeat('edge', 'node-2'), JSON.stringify(beat('node-3')));
        await nc.flush();
        listed = JSON.parse((await cli(['agents', '--cluster', 'edge', '-o', 'json'], 'viewer')).stdout) as unknown[];
      }
      expect(listed).toEqual([expect.objectContaining({ cluster: 'edge', node: 'node-1', agentVersion: '0.1.0', alive: true, state: 'applied', heartbeatAgeSeconds: expect.any(Number) })]);
      expect((await cli(['agents'], 'viewer')).stdout).toMatch(/edge\s+node-1\s+applied\s+cccccccccccc\s+0\.1\.0\s+[\d.]+ s ago/);
      expect((await cli(['agents', '--cluster', 'prod-us'], 'viewer')).stdout).toContain('no agent of cluster prod-us has been heard from');
      const got = await cli(['cluster', 'get', 'edge', '-o', 'json'], 'viewer');
      expect(got.code, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout)).toMatchObject({
        name: 'edge',
        labels: { env: 'edge' },
        agents: { total: 1, alive: 1 },
        nodes: [{ node: 'node-1', state: 'applied', release, version: '0.1.0', lastError: null, heartbeatAgeSeconds: expect.any(Number), lastDrift }],
      });
      expect((await cli(['cluster', 'get', 'edge'], 'viewer')).stdout).toMatch(/node-1\s+applied\s+cccccccccccc\s+0\.1\.0/);
    } finally {
      await nc.close();
    }
  });

  it('answers as-of queries with the state before a later change', async () => {
    const then = await cli(['audit', '--kind', 'np', '--name', 'allow-tcp-6379', '-n', 'production', '--as-of', String(firstPosition), '-o', 'json'], 'viewer');
    expect(then.code, then.stderr).toBe(0);
    expect(JSON.parse(then.stdout)).toEqual(seedDocs.find((d) => d.metadata.name === 'allow-tcp-6379'));
    const before = await cli(['audit', '--kind', 'knp', '--name', 'web', '-n', 'production', '--as-of', String(firstPosition)], 'viewer');
    expect(before.code).toBe(6);
    expect(before.stderr).toContain('did not exist');
  });

  it('takes releases and diffs them, simulates against the live state, and refuses bad tokens', async () => {
    const r1 = JSON.parse((await cli(['release', 'create', '--reason', 'wave 1', '-o', 'json'], 'security-admin')).stdout) as { hash: string };
    expect((await cli(['release', 'create'], 'developer')).code).toBe(4);
    await cli(['delete', 'gnp', 'deny-blue', '--reason', 'retired'], 'security-admin');
    const r2 = JSON.parse((await cli(['release', 'create', '-o', 'json'], 'security-admin')).stdout) as { hash: string };
    const diff = await cli(['release', 'diff', r1.hash.slice(0, 10), r2.hash.slice(0, 10)], 'viewer');
    expect(diff.stdout.trim()).toBe('- GlobalNetworkPolicy/deny-blue');
    // A cluster's agents converge to the release an admin sets, named by a prefix of its hash.
    expect((await cli(['cluster', 'register', 'prod-eu', '-l', 'env=prod'], 'admin')).code).toBe(0);
    const set = await cli(['cluster', 'set-release', 'prod-eu', r2.hash.slice(0, 8), '--reason', 'by hand'], 'admin');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`cluster prod-eu: desired release ${r2.hash.slice(0, 12)} (version 2)`);
    expect((await cli(['cluster', 'set-release', 'prod-eu', r1.hash.slice(0, 8)], 'security-admin')).stderr).toContain('lacks cluster:manage');
    // Its agents join with a token shown once.
    const join = await cli(['cluster', 'join-token', 'prod-eu', '--expires-in-hours', '2'], 'admin');
    expect(join.code, join.stderr).toBe(0);
    expect(join.stdout).toMatch(/shown this once[\s\S]*\n {2}pal_join_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n/);
    expect((await cli(['cluster', 'join-token', 'prod-eu', '--expires-in-hours', '0'], 'admin')).stderr).toContain('expiresInHours: must be at least 1');
    const pods = file(
      'pods.yaml',
      ['red', 'blue']
        .map(
          (c, i) =>
            `apiVersion: v1\nkind: Pod\nmetadata: {name: ${c}, namespace: production, labels: {color: ${c}}}\nspec: {nodeName: n1, containers: [{name: a}]}\nstatus: {podIP: 10.99.0.${i + 1}}\n`,
        )
        .join('---\n'),
    );
    expect((await cli(['apply', '-f', pods], 'admin')).code).toBe(0);
    // Pods are in 10.0.0.0/8, which the seed's cluster-internal policy admits; other sources are dropped.
    const sim = await cli(['simulate', '--remote', '--from', 'production/blue', '--to', 'production/red', '--protocol', 'TCP', '--port', '5432', '-o', 'json'], 'viewer');
    expect(sim.code, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toMatchObject({ allowed: true, ingress: { by: expect.stringContaining('allow-cluster-internal-ingress') } });
    const outside = await cli(['simulate', '--remote', '--from', '192.0.2.7', '--to', 'production/red', '--protocol', 'TCP', '--port', '5432'], 'viewer');
    expect(outside.stdout).toMatch(/^DENIED\s+192\.0\.2\.7 -> production\/red\s+TCP\/5432/);
    const revoked = await cli(['whoami'], 'approver');
    expect(revoked.code).toBe(0);
    const bad = await palisade(['get', 'np'], { ...env, PALISADE_TOKEN: 'pal_000000000000_nope' }, 60_000);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('a valid API token is required');
  });
});
