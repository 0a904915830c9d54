// A rollout that changes real traffic, wave by wave: two clusters of one real-kernel node each
// (network namespaces joined by veth, nftables agents), the gateway and the worker as built
// processes. The second release stops web -> api on 8080; rolled out canary first with an
// approval before prod, the canary's traffic changes while prod's does not, and prod's changes
// only once the wave is approved.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parseNatsUrl } from '@palisade/contracts';
import { bootstrapAdminToken } from '@palisade/domain';
import { parseDocuments, type Resource } from '@palisade/engine';
import { NftablesDataplane, NodeAgent } from '@palisade/node-agent';
import { palisade, type CliResult } from '../support/cli.js';
import { ensureHostTools, nsExec, nsSpawn, sh } from '../support/netns.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { startTestWorker, type TestWorker } from '../test-support/worker.js';

const tools = await ensureHostTools();
if (!tools.ok) console.warn(`SKIPPED rollout enforcement tests: ${tools.reason}`);

const tag = `r${process.pid % 100000}`;
// Cluster k-canary: node ca with pods cw (web) and cp (api); cluster k-prod: node pa with pw and pp.
const clusters = [
  { name: 'k-canary', env: 'staging', node: 'node-ca', ns: `${tag}-ca`, subnet: '10.95.1', pods: { web: `${tag}-cw`, api: `${tag}-cp` } },
  { name: 'k-prod', env: 'prod', node: 'node-pa', ns: `${tag}-pa`, subnet: '10.95.2', pods: { web: `${tag}-pw`, api: `${tag}-pp` } },
] as const;
const addr = (c: (typeof clusters)[number], role: 'web' | 'api') => `${c.subnet}.${role === 'web' ? 10 : 20}`;
const ifName = (c: (typeof clusters)[number], role: 'web' | 'api') => `pal${c.name === 'k-canary' ? 'c' : 'p'}${role}`;

const inventory = (c: (typeof clusters)[number]) =>
  [
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n',
    ...(['web', 'api'] as const).map(
      (role) => `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: ${c.node.replace('-', '--')}-k8s-${role}-eth0, namespace: demo, labels: {role: ${role}}}
spec: {orchestrator: k8s, node: ${c.node}, pod: ${role}, endpoint: eth0, interfaceName: ${ifName(c, role)}, ipNetworks: [${addr(c, role)}/32], profiles: [kns.demo]}
`,
    ),
  ].join('---\n');
const policy = (port: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: demo}
spec:
  selector: role == 'api'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: role == 'web'}, destination: {ports: [${port}]}}
`;
const plan = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: kernel-waves}
spec:
  waves:
    - {name: canary, clusterSelector: "env == 'staging'", soakTime: 0s, ackTimeout: 60s}
    - {name: prod, clusterSelector: "env == 'prod'", soakTime: 0s, ackTimeout: 60s, requireApproval: true}
`;

function webToApi(c: (typeof clusters)[number]): boolean {
  const script = `const s=require('net').connect(8080,'${addr(c, 'api')}');s.setTimeout(1500,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return nsExec(c.pods.web, `${process.execPath} -e "${script}"`).status === 0;
}

describe.skipIf(!tools.ok)('a rollout enforced by nftables agents, wave by wave', () => {
  let gateway: TestGateway;
  let worker: TestWorker;
  const agents: { agent: NodeAgent; nc: NatsConnection }[] = [];
  const servers: { kill: () => void }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'palisade-rollout-nft-'));
  const tokens: Record<string, string> = {};
  let env: NodeJS.ProcessEnv = {};
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
  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker.log().slice(-1500)}\n${gateway.log().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const state = async (id: string) => (await json<{ state: string }>(['rollout', 'status', id])).state;

  beforeAll(async () => {
    for (const c of clusters) {
      sh(`ip netns add ${c.ns} && ip netns exec ${c.ns} sysctl -qw net.ipv4.ip_forward=1 && ip -n ${c.ns} link set lo up`);
      for (const role of ['web', 'api'] as const) {
        const pod = c.pods[role];
        const gw = `${c.subnet}.${role === 'web' ? 9 : 19}`;
        sh(`ip netns add ${pod} && ip link add ${ifName(c, role)} netns ${c.ns} type veth peer name eth0 netns ${pod}`);
        sh(`ip -n ${c.ns} addr add ${gw}/29 dev ${ifName(c, role)} && ip -n ${c.ns} link set ${ifName(c, role)} up`);
        sh(`ip -n ${pod} addr add ${addr(c, role)}/29 dev eth0 && ip -n ${pod} link set eth0 up && ip -n ${pod} link set lo up && ip -n ${pod} route add default via ${gw}`);
      }
      servers.push(nsSpawn(c.pods.api, "require('net').createServer(s=>s.end()).listen(8080,'0.0.0.0');"));
    }
    const taskQueue = `rollout-nft-${randomUUID()}`;
    gateway = await startTestGateway('rollout-nft', { env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    worker = await startTestWorker(gateway.natsUrl, taskQueue);
    tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_CONFIG: join(dir, 'config.json') };
    delete env['PALISADE_TOKEN'];
    tokens['approver'] = (await json<{ token: string }>(['token', 'create', 'approver', '--role', 'approver'])).token;
    for (const c of clusters) expect((await cli(['cluster', 'register', c.name, '-l', `env=${c.env}`])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const a of agents) {
      await a.agent.stop();
      await a.nc.close().catch(() => undefined);
    }
    await worker?.stop();
    await gateway?.stop();
    for (const s of servers) s.kill();
    for (const c of clusters) for (const name of [c.ns, c.pods.web, c.pods.api]) sh(`ip netns del ${name} 2>/dev/null || true`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('changes real traffic in the canary first, and in prod only after the approval', async () => {
    expect(clusters.map(webToApi)).toEqual([true, true]); // the topology connects before any policy
    expect((await cli(['apply', '-f', file('p1.yaml', policy(8080))])).code).toBe(0);
    const first = (await json<{ hash: string }>(['release', 'create'])).hash;
    expect((await cli(['apply', '-f', file('p2.yaml', policy(9090))])).code).toBe(0);
    const second = (await json<{ hash: string }>(['release', 'create'])).hash;
    for (const c of clusters) expect((await cli(['cluster', 'set-release', c.name, first])).code).toBe(0);
    for (const c of clusters) {
      const parsed = parseDocuments(inventory(c));
      expect(parsed.errors).toEqual([]);
      const nc = await connect({ ...parseNatsUrl(gateway.natsUrl), name: c.node });
      const agent = new NodeAgent({
        nc,
        cluster: c.name,
        node: c.node,
        dataplane: new NftablesDataplane({ command: ['ip', 'netns', 'exec', c.ns, 'nft'] }),
        agentVersion: 'test',
        inventory: parsed.resources as Resource[],
        heartbeatSeconds: 1,
        retrySeconds: 1,
      });
      await agent.start();
      agents.push({ agent, nc });
    }
    await waitFor('both nodes on the first release', async () => agents.every((a) => a.agent.nodeStatus?.state === 'applied' && a.agent.nodeStatus.release === first));
    expect(clusters.map(webToApi)).toEqual([true, true]);

    const { id } = await json<{ id: string }>(['rollout', 'start', '--release', second, '--plan', file('plan.yaml', plan)]);
    await waitFor('the prod wave to wait for approval', async () => (await state(id)) === 'waiting-approval');
    // The canary enforces the second release; prod still the first.
    expect(agents[0]!.agent.nodeStatus?.release).toBe(second);
    expect(agents[1]!.agent.nodeStatus?.release).toBe(first);
    expect(clusters.map(webToApi)).toEqual([false, true]);

    expect((await cli(['rollout', 'approve', id, '--reason', 'canary denies 8080 as intended'], 'approver')).code).toBe(0);
    await waitFor('the rollout to complete', async () => (await state(id)) === 'completed');
    expect(agents[1]!.agent.nodeStatus?.release).toBe(second);
    expect(clusters.map(webToApi)).toEqual([false, false]);
  }, 240_000);
});
