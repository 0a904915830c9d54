// Issue 16, fault (e): a three-server NATS JetStream cluster on loopback, every stream and bucket
// with three replicas (NATS_STREAM_REPLICAS=3), and the server leading the events stream killed.
// Changes keep being accepted, the outbox publishes every event once and in order through the
// new leader, the buckets stay readable, and the chain verifies.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { buckets, connectBus, streams } from '@palisade/bus';
import { bootstrapAdminToken } from '@palisade/domain';
import { createNatsAuth, operatorConfig } from '@palisade/nats-auth';
import { pickPort } from '@palisade/stack';
import { cliSession, eventually } from '../support/cli-session.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';

const policy = (i: number) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p-${i}, namespace: shop}
spec: {selector: app == 'db', ingress: [{action: Allow, protocol: TCP, destination: {ports: [${5000 + i}]}}]}
`;

describe('a three-server NATS JetStream cluster losing the leader of the events stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-nats-cluster-'));
  const servers: { name: string; client: number; route: number; child?: ChildProcess; log: string }[] = [];
  let gateway: TestGateway;
  let nc: NatsConnection;
  let serviceUrl = '';
  const s = cliSession('palisade-nats-cluster');
  const context = () => `gateway:\n${gateway?.log().slice(-2500)}\n${servers.map((x) => `${x.name}:\n${x.log.slice(-800)}`).join('\n')}`;

  beforeAll(async () => {
    const auth = await createNatsAuth();
    for (let i = 0; i < 3; i++) servers.push({ name: `n${i}`, client: await pickPort(), route: await pickPort(), log: '' });
    // Each server starts and says it is ready; one that finds a port taken meanwhile (another test
    // picked it first) starts again on fresh ports, and soliciting the others' routes still joins it.
    const start = async (server: (typeof servers)[number]) => {
      for (let attempt = 1; ; attempt++) {
        const config = join(dir, `${server.name}.conf`);
        writeFileSync(
          config,
          [
            ...operatorConfig(auth, join(dir, server.name, 'accounts')),
            `server_name: ${server.name}`,
            `listen: 127.0.0.1:${server.client}`,
            'max_payload: 8MB',
            `jetstream { store_dir: ${JSON.stringify(join(dir, server.name, 'js'))} }`,
            `cluster { name: palisade-test, listen: 127.0.0.1:${server.route}, routes: [${servers.map((o) => `nats-route://127.0.0.1:${o.route}`).join(', ')}] }`,
            '',
          ].join('\n'),
        );
        server.log = '';
        const child = spawn('nats-server', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
        server.child = child;
        child.stdout!.on('data', (c: Buffer) => (server.log += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (server.log += c.toString()));
        const ready = await eventually(`nats-server ${server.name} to be ready or exit`, async () => (server.log.includes('Server is ready') ? 'ready' : child.exitCode !== null ? 'exited' : false), {
          timeoutMs: 30_000,
          intervalMs: 100,
          context,
        });
        if (ready === 'ready') return;
        if (attempt >= 3 || !/address already in use/i.test(server.log)) throw new Error(`nats-server ${server.name} exited at start:\n${server.log}`);
        server.client = await pickPort();
        server.route = await pickPort();
      }
    };
    for (const server of servers) await start(server);
    serviceUrl = servers.map((x) => `nats://${auth.serviceJwt}@127.0.0.1:${x.client}`).join(',');
    const authFile = join(dir, 'auth.json');
    writeFileSync(authFile, JSON.stringify(auth), { mode: 0o600 });
    nc = await connectBus({ url: serviceUrl, name: 'nats-cluster-test' });
    // JetStream answering (a meta leader) is not yet a cluster that can place three replicas: under
    // load the servers' peers may still be catching up (seen in CI: the gateway's stream was not
    // placed within 60 s). Wait until a 3-replica stream can be created, as the gateway's will be.
    await eventually(
      'the JetStream cluster to place a 3-replica stream',
      async () => {
        const jsm = await jetstreamManager(nc).catch(() => null);
        const placed = await jsm?.streams.add({ name: 'PLACEMENT_PROBE', subjects: ['placement.probe'], num_replicas: 3 }).catch(() => null);
        if (!placed) return false;
        await jsm!.streams.delete('PLACEMENT_PROBE').catch(() => undefined);
        return true;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, context },
    );
    gateway = await startTestGateway('nats-cluster', { nats: { url: serviceUrl, authFile }, env: { NATS_STREAM_REPLICAS: '3', GATEWAY_ANCHOR_SECONDS: '1' } });
    s.useGateway(gateway.url);
    s.tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    for (const x of servers) x.child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const publishedPositions = async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(streams.events.name);
    const out: number[] = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(streams.events.name, { seq }).catch(() => null);
      if (msg) out.push(Number(msg.header.get('Palisade-Position')));
    }
    return out;
  };
  const logPositions = async () => (await gateway.database.query<{ position: bigint }[]>`SELECT position FROM events ORDER BY position`).map((r) => Number(r.position));

  it('keeps every stream and bucket on all three servers', async () => {
    for (let i = 0; i < 3; i++) expect((await s.cli(['apply', '-f', s.file(`p${i}.yaml`, policy(i)), '--reason', `before ${i}`])).code).toBe(0);
    const jsm = await jetstreamManager(nc);
    const events = await eventually('the events stream', async () => jsm.streams.info(streams.events.name).catch(() => null), { timeoutMs: 120_000, context });
    expect(events.config.num_replicas).toBe(3);
    expect(events.cluster?.replicas).toHaveLength(2);
    const nodes = await jsm.streams.info(`KV_${buckets.nodes}`);
    expect(nodes.config.num_replicas).toBe(3);
  }, 180_000);

  it('carries on when the leader of the events stream is killed: nothing lost, repeated or reordered', async () => {
    const jsm = await jetstreamManager(nc);
    const leader = (await jsm.streams.info(streams.events.name)).cluster!.leader!;
    const victim = servers.find((x) => x.name === leader)!;
    victim.child!.kill('SIGKILL');
    for (let i = 3; i < 13; i++) {
      const r = await s.cli(['apply', '-f', s.file(`p${i}.yaml`, policy(i)), '--reason', `after ${i}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    const positions = await logPositions();
    expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => i + 1));
    // While the survivors elect a new leader a JetStream API request may time out: that is "not yet".
    await eventually('the outbox to publish every event through the new leader', async () => JSON.stringify(await publishedPositions().catch(() => null)) === JSON.stringify(positions), {
      timeoutMs: 90_000,
      context,
    });
    const after = await eventually('the events stream to answer', async () => jsm.streams.info(streams.events.name).catch(() => null), { context });
    expect(after.cluster?.leader).not.toBe(leader);
    const verified = await s.cli(['audit', 'verify', '--remote']);
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
  }, 180_000);
});
