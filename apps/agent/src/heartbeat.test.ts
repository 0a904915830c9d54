import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectBus, subjects } from '@palisade/bus';
import { AgentHeartbeat } from '@palisade/contracts';
import { testServices, uniqueName } from '@palisade/testing';
import { loadAgentConfig } from './config.js';
import { startHeartbeat } from './heartbeat.js';

describe('agent configuration', () => {
  it('accepts DNS-style cluster and node names and defaults the interval', () => {
    const config = loadAgentConfig({ NATS_URL: 'nats://127.0.0.1:4222', PALISADE_CLUSTER: 'prod-eu-1', PALISADE_NODE: 'ip-10-0-0-1.internal' });
    expect(config.PALISADE_HEARTBEAT_SECONDS).toBe(10);
  });

  it('names each bad variable', () => {
    expect(() => loadAgentConfig({ NATS_URL: 'nats://127.0.0.1:4222', PALISADE_CLUSTER: 'Prod_EU', PALISADE_NODE: 'node 1' })).toThrow(
      /PALISADE_CLUSTER must be lower-case letters, digits and "-".*PALISADE_NODE must be lower-case/,
    );
  });
});

describe('agent heartbeat on real NATS', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connectBus({ url: testServices().natsUrl, name: 'agent-test' });
  });
  afterAll(async () => {
    await nc?.close();
  });

  it('publishes valid heartbeats on its own subject, at once and then every interval', async () => {
    const cluster = uniqueName('c').replace(/_/g, '-');
    const sub = nc.subscribe(subjects.agentHeartbeat(cluster, 'node-a'), { max: 2 });
    const stop = startHeartbeat(nc, { cluster, node: 'node-a', version: '1.2.3', intervalMs: 100 });
    const received: AgentHeartbeat[] = [];
    try {
      for await (const msg of sub) received.push(AgentHeartbeat.parse(msg.json()));
    } finally {
      stop();
    }
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ cluster, node: 'node-a', agentVersion: '1.2.3' });
    expect(received[1]!.uptimeSeconds).toBeGreaterThan(received[0]!.uptimeSeconds);
  });
});
