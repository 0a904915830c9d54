// `palisade agent simulate` at the scale the issue names: one process runs 500 simulated agents
// (10 clusters x 50 nodes), each joining with its own NATS credentials. A new release set on
// every cluster is received, applied and acked by all 500, each cluster's observed release
// follows, and the agents' flow logs are queryable through `palisade flows`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import type { AgentStatus, FlowRecord } from '@palisade/contracts';
import { palisade, palisadeBin, root, type CliResult } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

const CLUSTERS = 10;
const NODES = 50;
const policy = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: app == 'api'}
    destination: {ports: [5432]}
`;
const mix = `flows:
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 0.5}
- {from: "app == 'frontend'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 0.5}
`;

describe('500 simulated agents in one process', () => {
  let gateway: TestGateway;
  let fleet: ChildProcess | undefined;
  let fleetLog = '';
  const dir = mkdtempSync(join(tmpdir(), 'palisade-simulate-'));
  let env: NodeJS.ProcessEnv = {};
  const cli = (args: string[]): Promise<CliResult> => palisade(args, env, 60_000);
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await cli([...args, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const waitFor = async <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${fleetLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };

  beforeAll(async () => {
    gateway = await startTestGateway('simulate');
    const bootstrap = await bootstrapAdminToken(gateway.database);
    env = { ...process.env, PALISADE_URL: gateway.url, PALISADE_TOKEN: bootstrap!.token, PALISADE_CONFIG: join(dir, 'config.json') };
  }, 120_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) {
      fleet.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 5_000));
      if (fleet.exitCode === null) fleet.kill('SIGKILL');
    }
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('all receive, apply and ack a new release, and their flow logs are queryable', async () => {
    const mixFile = join(dir, 'mix.yaml');
    writeFileSync(mixFile, mix);
    fleet = spawn(
      process.execPath,
      [palisadeBin, 'agent', 'simulate', '--clusters', String(CLUSTERS), '--nodes', String(NODES), '--endpoints-per-node', '3', '--traffic', mixFile, '--flow-interval', '2'],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    fleet.stdout!.on('data', (c: Buffer) => (fleetLog += c.toString()));
    fleet.stderr!.on('data', (c: Buffer) => (fleetLog += c.toString()));
    await waitFor('every agent to be running', async () => fleetLog.includes(`${CLUSTERS * NODES}/${CLUSTERS * NODES} agents running`), 240_000);
    const clusters = await json<{ name: string }[]>(['cluster', 'list']);
    expect(clusters.map((c) => c.name).sort()).toEqual(Array.from({ length: CLUSTERS }, (_, i) => `sim-${i + 1}`).sort());

    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, policy);
    expect((await cli(['apply', '-f', policyFile, '--reason', 'db ingress'])).code).toBe(0);
    const { hash } = await json<{ hash: string }>(['release', 'create']);
    const setAt = Date.now();
    for (const c of clusters) expect((await cli(['cluster', 'set-release', c.name, hash])).code).toBe(0);

    const acked = await waitFor(
      'all 500 agents to ack the release',
      async () => {
        const agents = await json<AgentStatus[]>(['agents']);
        const applied = agents.filter((a) => a.state === 'applied' && a.release === hash);
        return applied.length === CLUSTERS * NODES ? applied : undefined;
      },
      180_000,
    );
    expect(new Set(acked.map((a) => `${a.cluster}/${a.node}`)).size).toBe(CLUSTERS * NODES);
    console.log(
      `[simulate] ${CLUSTERS * NODES} agents acked a new release within ${((Date.now() - setAt) / 1000).toFixed(1)} s of the first set-release (heartbeat-reported; includes CLI round trips)`,
    );
    await waitFor(
      'every cluster to observe the release',
      async () => {
        const list = await json<{ name: string; observedRelease: string | null; inSync: boolean }[]>(['cluster', 'list']);
        return list.every((c) => c.observedRelease === hash && c.inSync) ? list : undefined;
      },
      60_000,
    );

    const flows = await waitFor(
      'flow records of the new release',
      async () => {
        const records = await json<FlowRecord[]>(['flows', '--cluster', 'sim-3', '--policy', 'default/NetworkPolicy/shop/db-ingress', '--since', '10m']);
        return records.length ? records : undefined;
      },
      60_000,
    );
    expect(flows.every((r) => r.cluster === 'sim-3' && r.action === 'Allow' && r.source.labels['app'] === 'api' && r.destination.labels['app'] === 'db')).toBe(true);
    const denied = await json<FlowRecord[]>(['flows', '--cluster', 'sim-3', '--action', 'Deny', '--since', '10m']);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((r) => r.source.labels['app'] === 'frontend' && r.policy === 'default/end-of-tier')).toBe(true);
  }, 600_000);
});
