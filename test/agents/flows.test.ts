// Flow logs end to end: two simulated agents (`palisade agent run --traffic`) decide generated
// traffic with the engine, publish flow records to JetStream every second, the gateway's ingest
// stores them in PostgreSQL, and `palisade flows` finds them by cluster, namespace, action and
// deciding policy, with what the simulator says about the same flows.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import type { FlowRecord } from '@palisade/contracts';
import { palisade, palisadeBin, root, type CliResult } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

const policy = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  selector: app == 'api'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'frontend'}
    destination: {ports: [8080]}
`;
const wep = (node: string, pod: string, ip: string, app: string) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: ${node}-k8s-${pod}-eth0, namespace: shop, labels: {app: ${app}}}
spec: {orchestrator: k8s, node: ${node}, pod: ${pod}, endpoint: eth0, interfaceName: cali${pod.slice(0, 8)}, ipNetworks: [${ip}/32], profiles: [kns.shop]}
`;
const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n';
const mix = `flows:
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 8080, perSecond: 5, bytes: 2000, packets: 10}
- {from: "app == 'frontend'", to: "app == 'api'", protocol: TCP, port: 22, perSecond: 2}
`;

describe('flow logs from simulated agents to PostgreSQL and `palisade flows`', () => {
  let gateway: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'palisade-flows-'));
  let env: NodeJS.ProcessEnv = {};
  const children: ChildProcess[] = [];
  const cli = (args: string[]): Promise<CliResult> => palisade(args, env, 60_000);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const flows = async (...args: string[]) => {
    const r = await cli(['flows', '--cluster', 'shop-1', ...args, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as FlowRecord[];
  };

  beforeAll(async () => {
    gateway = await startTestGateway('flows');
    const bootstrap = await bootstrapAdminToken(gateway.database);
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_TOKEN: bootstrap!.token, PALISADE_CONFIG: join(dir, 'config.json') };
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores what the agents decided, naming the deciding rule, and filters it', async () => {
    expect((await cli(['cluster', 'register', 'shop-1'])).code).toBe(0);
    expect((await cli(['apply', '-f', file('policy.yaml', policy), '--reason', 'api ingress'])).code).toBe(0);
    const made = await cli(['release', 'create', '-o', 'json']);
    const hash = (JSON.parse(made.stdout) as { hash: string }).hash;
    expect((await cli(['cluster', 'set-release', 'shop-1', hash])).code).toBe(0);
    const token = (JSON.parse((await cli(['cluster', 'join-token', 'shop-1', '-o', 'json'])).stdout) as { token: string }).token;
    const tokenFile = file('token', token);
    const traffic = file('mix.yaml', mix);
    for (const [node, inventory] of [
      ['n1', namespace + '---\n' + wep('n1', 'frontend-1', '10.5.0.1', 'frontend')],
      ['n2', namespace + '---\n' + wep('n2', 'api-1', '10.5.1.1', 'api')],
    ] as const) {
      const config = file(
        `${node}.yaml`,
        `gateway: ${gateway.url}\ncluster: shop-1\nnode: ${node}\ndataplane: simulated\njoinTokenFile: ${tokenFile}\nstateDir: ${join(dir, node)}\ninventoryFile: ${file(`${node}-inv.yaml`, inventory)}\ntrafficFile: ${traffic}\nflowIntervalSeconds: 1\nheartbeatSeconds: 1\n`,
      );
      const child = spawn(process.execPath, [palisadeBin, 'agent', 'run', '--config', config], { cwd: root, env, stdio: 'ignore' });
      children.push(child);
    }

    const deadline = Date.now() + 45_000;
    let records: FlowRecord[] = [];
    const want = (r: FlowRecord[]) =>
      r.some((x) => x.reporter === 'dst' && x.port === 8080 && x.action === 'Allow') &&
      r.some((x) => x.reporter === 'dst' && x.port === 22 && x.action === 'Deny') &&
      r.some((x) => x.reporter === 'src');
    while (Date.now() < deadline && !want(records)) {
      await new Promise((r) => setTimeout(r, 1_000));
      records = await flows('--since', '5m');
    }
    expect(want(records), JSON.stringify(records.slice(0, 3))).toBe(true);

    // The api's node reports its ingress: 8080 allowed by api-ingress rule 0, 22 denied at the end of the default tier.
    const allowed = records.find((r) => r.reporter === 'dst' && r.port === 8080)!;
    expect(allowed).toMatchObject({ cluster: 'shop-1', node: 'n2', action: 'Allow', policy: 'default/NetworkPolicy/shop/api-ingress/0', protocol: 'TCP' });
    expect(allowed.source).toMatchObject({ namespace: 'shop', name: 'frontend-1', ip: '10.5.0.1', labels: { app: 'frontend' } });
    expect(allowed.destination).toMatchObject({ namespace: 'shop', name: 'api-1', ip: '10.5.1.1' });
    expect(allowed.bytes).toBe(allowed.connectionsStarted * 2000);
    const denied = records.find((r) => r.reporter === 'dst' && r.port === 22)!;
    expect(denied).toMatchObject({ node: 'n2', action: 'Deny', policy: 'default/end-of-tier', connectionsStarted: 0 });
    // The frontend's node reports its egress: its namespace profile lets both out.
    expect(records.filter((r) => r.reporter === 'src').every((r) => r.node === 'n1' && r.action === 'Allow' && r.policy === '__PROFILE__/kns.shop/0')).toBe(true);

    const onlyDenied = await flows('--action', 'Deny', '--since', '5m');
    expect(onlyDenied.length).toBeGreaterThan(0);
    expect(onlyDenied.every((r) => r.action === 'Deny' && r.port === 22)).toBe(true);
    const byPolicy = await flows('--policy', 'default/NetworkPolicy/shop/api-ingress', '--since', '5m');
    expect(byPolicy.length).toBeGreaterThan(0);
    expect(byPolicy.every((r) => r.policy === 'default/NetworkPolicy/shop/api-ingress/0')).toBe(true);
    expect(await flows('-n', 'elsewhere')).toEqual([]);
    // Each record was stored once, though agents publish at least once.
    const ids = (await flows('--limit', '10000')).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Totals per minute and action, as charts draw them.
    const per = await cli(['flows', '--cluster', 'shop-1', '--since', '10m', '--per', '60', '-o', 'json']);
    expect(per.code, per.stderr).toBe(0);
    const buckets = JSON.parse(per.stdout) as { action: string; records: number; bytes: number }[];
    expect(buckets.some((b) => b.action === 'Allow' && b.records > 0 && b.bytes > 0)).toBe(true);
    expect(buckets.some((b) => b.action === 'Deny' && b.records > 0)).toBe(true);
    // Live: records as they are stored.
    const follower = spawn(process.execPath, [palisadeBin, 'flows', '--cluster', 'shop-1', '--action', 'Deny', '--follow', '-o', 'json'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(follower);
    let followed = '';
    follower.stdout!.on('data', (c: Buffer) => (followed += c.toString()));
    const liveDeadline = Date.now() + 30_000;
    while (Date.now() < liveDeadline && !followed.includes('\n')) await new Promise((r) => setTimeout(r, 500));
    follower.kill('SIGINT');
    const live = JSON.parse(followed.split('\n')[0]!) as FlowRecord;
    expect(live).toMatchObject({ cluster: 'shop-1', action: 'Deny', port: 22 });
    const text = await cli(['flows', '--cluster', 'shop-1', '--action', 'Deny', '--limit', '3']);
    expect(text.stdout).toMatch(/REPORTER\s+SOURCE\s+DESTINATION/);
    expect(text.stdout).toContain('shop/frontend-1');
  });
});
