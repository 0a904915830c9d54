// NATS going away for 10 s: agents keep enforcing what they applied (nothing is torn down or
// re-applied while the bus is gone), and when it is back they catch up with a release set after
// the outage by themselves, through their watches, and ack it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { buckets, kvKeys, openBucket } from '@palisade/bus';
import { NodeAgent } from './agent.js';
import { SimulatedDataplane } from './dataplane/simulated.js';
import { namespace, natsWithBuckets, publishDesired, release, resources, until, workload } from './test-support/fixtures.js';

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
const A = release(policy(5432));
const B = release(policy(6432));

let nats: Awaited<ReturnType<typeof natsWithBuckets>>;
const agents: { agent: NodeAgent; dataplane: SimulatedDataplane; nc: NatsConnection }[] = [];

beforeAll(async () => {
  nats = await natsWithBuckets('agent-outage');
  await publishDesired(nats.nc, 'alpha', A, 1);
  for (const [node, pod, ip, labels] of [
    ['n1', 'db-0', '10.1.0.5', { role: 'db' }],
    ['n2', 'api-0', '10.1.1.5', { role: 'api' }],
  ] as const) {
    const nc = await nats.connectAs(`agent-${node}`);
    const dataplane = new SimulatedDataplane();
    const agent = new NodeAgent({
      nc,
      cluster: 'alpha',
      node,
      dataplane,
      agentVersion: 'test',
      inventory: resources(namespace('shop') + '---\n' + workload(node, pod, ip, labels)),
      heartbeatSeconds: 1,
      driftSeconds: 1,
      retrySeconds: 1,
    });
    await agent.start();
    agents.push({ agent, dataplane, nc });
  }
});

afterAll(async () => {
  for (const a of agents) {
    await a.agent.stop();
    await a.nc.close().catch(() => undefined);
  }
  await nats?.stop();
});

describe('a NATS outage', () => {
  it('leaves enforcement alone while NATS is away, then agents catch up by themselves', async () => {
    await until('both nodes to apply A', () => agents.every((a) => a.agent.nodeStatus?.state === 'applied' && a.agent.nodeStatus.release === A.hash));
    const applies = agents.map((a) => a.dataplane.applies);
    const rules = agents.map((a) => JSON.stringify(a.dataplane.ir));

    await nats.server.kill();
    await new Promise((r) => setTimeout(r, 10_000));
    // Ten seconds without NATS: the same rules in force, nothing re-applied, no failure reported.
    expect(agents.map((a) => a.dataplane.applies)).toEqual(applies);
    expect(agents.map((a) => JSON.stringify(a.dataplane.ir))).toEqual(rules);
    expect(agents.map((a) => a.agent.nodeStatus?.state)).toEqual(['applied', 'applied']);

    await nats.server.restart();
    // The platform, like the gateway's publisher, retries until JetStream answers again.
    for (let tries = 0; ; tries++) {
      try {
        await publishDesired(nats.nc, 'alpha', B, 2);
        break;
      } catch (error) {
        if (tries > 30) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await until('both nodes to apply B after the outage', () => agents.every((a) => a.agent.nodeStatus?.state === 'applied' && a.agent.nodeStatus.release === B.hash), 30_000);
    // The ack reached the bucket too.
    const nodes = await openBucket(nats.nc, buckets.nodes);
    for (const node of ['n1', 'n2']) expect(JSON.parse((await nodes.get(kvKeys.node('alpha', node)))!.string())).toMatchObject({ state: 'applied', release: B.hash });
  }, 60_000);
});
