// An agent as a node runs it: `palisade agent run` joins its cluster with a join token made by
// an admin, gets NATS credentials of its own from the gateway, converges to the desired release
// `cluster set-release` set, and acks; the cluster's observed release and `cluster get` follow.
// Killed, it converges to a release set while it was down from its stored credentials alone.
// Revoked, nats-server cuts it off and the agent exits saying so. A bad join token is refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import { palisade, palisadeBin, root, type CliResult } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

const policy = (port: number) => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: db-from-api}
spec:
  selector: role == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: role == 'api'}
    destination: {ports: [${port}]}
`;
const inventory = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: n1-k8s-db--0-eth0, namespace: shop, labels: {role: db}}
spec: {orchestrator: k8s, node: n1, pod: db-0, endpoint: eth0, interfaceName: caliDb0, ipNetworks: [10.2.0.9/32], profiles: [kns.shop]}
`;

interface NodeView {
  node: string;
  state: string;
  release: string | null;
  version: string;
  lastError: string | null;
  heartbeatAgeSeconds: number;
}

describe('palisade agent run against the gateway, NATS in operator mode', () => {
  let gateway: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'palisade-agent-join-'));
  let env: NodeJS.ProcessEnv = {};
  const children: ChildProcess[] = [];
  const cli = async (args: string[]): Promise<CliResult> => palisade(args, env, 60_000);
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await cli([...args, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const release = async (port: number): Promise<string> => {
    expect((await cli(['apply', '-f', file(`p${port}.yaml`, policy(port)), '--reason', `db on ${port}`])).code).toBe(0);
    return (await json<{ hash: string }>(['release', 'create', '--reason', `db on ${port}`])).hash;
  };
  const startAgent = (config: string) => {
    const child = spawn(process.execPath, [palisadeBin, 'agent', 'run', '--config', config], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    children.push(child);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, log: () => log, exited };
  };
  const nodeOf = async (cluster: string, node: string) => (await json<{ nodes: NodeView[]; observedRelease: string | null }>(['cluster', 'get', cluster])).nodes.find((n) => n.node === node);
  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, log?: () => string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `\nagent log:\n${log()}` : ''}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    gateway = await startTestGateway('agent-join');
    const bootstrap = await bootstrapAdminToken(gateway.database);
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_TOKEN: bootstrap!.token, PALISADE_CONFIG: join(dir, 'config.json') };
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let first = '';
  let config = '';

  it('joins with a join token, converges to the desired release and acks; the observed release follows', async () => {
    expect((await cli(['cluster', 'register', 'alpha', '-l', 'env=test'])).code).toBe(0);
    first = await release(5432);
    expect((await cli(['cluster', 'set-release', 'alpha', first.slice(0, 12), '--reason', 'first release'])).code).toBe(0);
    const { token } = await json<{ token: string }>(['cluster', 'join-token', 'alpha', '--expires-in-hours', '1']);
    const tokenFile = file('join-token', token + '\n');
    const state = join(dir, 'state');
    config = file(
      'agent.yaml',
      `gateway: ${gateway.url}\ncluster: alpha\nnode: n1\ndataplane: simulated\njoinTokenFile: ${tokenFile}\nstateDir: ${state}\ninventoryFile: ${file('inventory.yaml', inventory)}\nheartbeatSeconds: 1\n`,
    );
    const agent = startAgent(config);
    const node = await waitFor(
      'n1 to apply the first release',
      async () => {
        const n = await nodeOf('alpha', 'n1');
        return n?.state === 'applied' && n.release === first ? n : undefined;
      },
      30_000,
      agent.log,
    );
    expect(node).toMatchObject({ state: 'applied', release: first, lastError: null });
    expect(node.heartbeatAgeSeconds).toBeLessThan(5);
    await waitFor('the observed release to follow the ack', async () => (await json<{ observedRelease: string | null }>(['cluster', 'get', 'alpha'])).observedRelease === first);
    // The credentials stay with the node, readable by it alone.
    expect(statSync(join(state, 'credentials.json')).mode & 0o777).toBe(0o600);
    // The gateway shows the inventory the agent reported.
    const endpoints = await json<{ node: string; resource: { kind: string; metadata: { name: string; namespace: string } } }[]>(['get', 'endpoints', '--cluster', 'alpha']);
    expect(endpoints).toEqual([
      {
        node: 'n1',
        reportedAt: expect.any(String),
        resource: expect.objectContaining({ kind: 'WorkloadEndpoint', metadata: expect.objectContaining({ name: 'n1-k8s-db--0-eth0', namespace: 'shop' }) }),
      },
    ]);
    const table = await cli(['get', 'endpoints', '--cluster', 'alpha']);
    expect(table.stdout).toMatch(/n1\s+WorkloadEndpoint\s+shop\s+n1-k8s-db--0-eth0\s+10\.2\.0\.9\/32\s+role=db/);
    expect((await cli(['get', 'endpoints'])).stderr).toContain('get endpoints needs --cluster');
    // Simulate with what the agents report: db-0 exists only in the cluster's inventory.
    const sim = await cli(['simulate', '--remote', '--cluster', 'alpha', '--from', '10.2.0.1', '--to', 'shop/db-0', '--protocol', 'TCP', '--port', '5432', '-o', 'json']);
    expect(sim.code, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toMatchObject({ allowed: false });
    const without = await cli(['simulate', '--remote', '--from', '10.2.0.1', '--to', 'shop/db-0', '--protocol', 'TCP', '--port', '5432']);
    expect(without.code).toBe(2);
    const agents = await json<{ node: string; state: string }[]>(['agents', '--cluster', 'alpha']);
    expect(agents).toEqual([expect.objectContaining({ node: 'n1', state: 'applied' })]);
    agent.child.kill('SIGKILL');
    await agent.exited;
  });

  it('converges after being killed to a release set while it was down, from its stored credentials alone', async () => {
    const second = await release(6432);
    expect((await cli(['cluster', 'set-release', 'alpha', second, '--reason', 'move the port'])).code).toBe(0);
    rmSync(join(dir, 'join-token'));
    const agent = startAgent(config);
    await waitFor(
      'n1 to apply the second release',
      async () => {
        const n = await nodeOf('alpha', 'n1');
        return n?.state === 'applied' && n.release === second;
      },
      30_000,
      agent.log,
    );
    expect(agent.log()).not.toContain('"level":"error"');

    // Revoked: nats-server cuts it off, and it exits 4 saying why.
    const revoked = await cli(['agents', 'revoke', 'alpha', 'n1', '--reason', 'node decommissioned']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('NATS has cut it off');
    const code = await Promise.race([agent.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(code, agent.log()).toBe(4);
    expect(agent.log()).toMatch(/revoked|expired|authori[sz]ation/i);
    // Both are in the audit history: which join token admitted the node, and who cut it off, why.
    const events = await gateway.database.query<{ type: string; actor: string; reason: string | null }[]>`SELECT type, actor, reason FROM events WHERE stream_id = 'agent/alpha/n1' ORDER BY version`;
    expect(events.map((e) => e.type)).toEqual(['Agent.Joined', 'Agent.CredentialsRevoked']);
    expect(events[0]!.actor).toMatch(/^join-token:[0-9a-f]{12}$/);
    expect(events[1]).toMatchObject({ actor: expect.stringMatching(/^token:bootstrap-admin#/), reason: 'node decommissioned' });
  });

  it('refuses a join with a token that is not valid, and says so', async () => {
    const bad = file('bad-token', 'pal_join_000000000000_' + 'x'.repeat(43));
    const cfg = file('bad.yaml', `gateway: ${gateway.url}\ncluster: alpha\nnode: n2\ndataplane: simulated\njoinTokenFile: ${bad}\nstateDir: ${join(dir, 'state-n2')}\n`);
    const agent = startAgent(cfg);
    expect(await agent.exited).toBe(4);
    expect(agent.log()).toContain('the join token is not valid');
  });
});
