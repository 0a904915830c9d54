// The agent against a real nats-server: two nodes of a cluster converge to the desired release,
// resolve each other's endpoints through the shared inventory, update incrementally when a pod
// starts elsewhere, refuse a release that does not match its hash (keeping the last good one),
// ignore a node that claims another node's endpoint, and converge again after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buckets, kvKeys, openBucket, writeReleaseContent } from '@palisade/bus';
import type { NodeInventory } from '@palisade/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { NodeAgent } from './agent.js';
import { SimulatedDataplane } from './dataplane/simulated.js';
import { namespace, natsWithBuckets, publishDesired, release, resources, until, workload } from './test-support/fixtures.js';

const policyA = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: db-from-api}
spec:
  selector: role == 'db'
  ingress:
  - action: Allow
    protocol: TCP
    source: {selector: role == 'api'}
    destination: {ports: [5432]}
`;
const policyB = policyA.replace('5432', '6432');
const A = release(policyA);
const B = release(policyB);

let nats: Awaited<ReturnType<typeof natsWithBuckets>>;
const agents: { agent: NodeAgent; dataplane: SimulatedDataplane; nc: NatsConnection }[] = [];

async function startAgent(node: string, inventoryYaml: string) {
  const nc = await nats.connectAs(`agent-${node}`);
  const dataplane = new SimulatedDataplane();
  const agent = new NodeAgent({ nc, cluster: 'alpha', node, dataplane, agentVersion: 'test', inventory: resources(inventoryYaml), heartbeatSeconds: 1, driftSeconds: 0, retrySeconds: 1 });
  await agent.start();
  const entry = { agent, dataplane, nc };
  agents.push(entry);
  return entry;
}

const ipSetMembers = (dataplane: SimulatedDataplane) => Object.values(dataplane.ir?.ipSets ?? {}).flatMap((s) => s.members);

beforeAll(async () => {
  nats = await natsWithBuckets('node-agent');
  await publishDesired(nats.nc, 'alpha', A, 1);
});

afterAll(async () => {
  for (const a of agents) {
    await a.agent.stop();
    await a.nc.close().catch(() => undefined);
  }
  await nats?.stop();
});

describe('NodeAgent on a real nats-server', () => {
  let db: Awaited<ReturnType<typeof startAgent>>;
  let api: Awaited<ReturnType<typeof startAgent>>;

  it('converges every node to the desired release and resolves selectors across nodes', async () => {
    db = await startAgent('n1', namespace('shop') + '---\n' + workload('n1', 'db', '10.1.0.5', { role: 'db' }));
    api = await startAgent('n2', namespace('shop') + '---\n' + workload('n2', 'api', '10.1.0.9', { role: 'api' }));
    await until('both nodes to apply release A', () => agents.every((a) => a.agent.nodeStatus?.state === 'applied' && a.agent.nodeStatus.release === A.hash));
    // n1's db ingress rule needs the api pod's address, which only n2 reports.
    await until("n1 to learn n2's api pod", () => ipSetMembers(db.dataplane).includes('10.1.0.9/32'));
    const status = db.agent.nodeStatus!;
    expect(status).toMatchObject({ cluster: 'alpha', node: 'n1', attempted: A.hash, error: null, endpoints: 1, dataplane: 'simulated' });
    // The ack is in the nodes bucket, where rollouts read it.
    const stored = await (await openBucket(nats.nc, buckets.nodes)).get(kvKeys.node('alpha', 'n1'));
    expect(JSON.parse(stored!.string())).toMatchObject({ state: 'applied', release: A.hash });
  });

  it('applies a pod started on another node as an incremental change, not a rebuild', async () => {
    const before = db.dataplane.applies;
    const body: NodeInventory = {
      cluster: 'alpha',
      node: 'n2',
      at: new Date().toISOString(),
      resources: resources(namespace('shop') + '---\n' + workload('n2', 'api', '10.1.0.9', { role: 'api' }) + '---\n' + workload('n2', 'api2', '10.1.0.10', { role: 'api' })) as never,
    };
    await (await openBucket(nats.nc, buckets.inventory)).put(kvKeys.node('alpha', 'n2'), JSON.stringify(body));
    await until('n1 to add the second api pod', () => ipSetMembers(db.dataplane).includes('10.1.0.10/32'));
    expect(db.dataplane.applies).toBeGreaterThan(before);
    expect(db.agent.nodeStatus?.release).toBe(A.hash);
  });

  it("ignores a node's inventory that places an endpoint on another node", async () => {
    const body: NodeInventory = { cluster: 'alpha', node: 'n2', at: new Date().toISOString(), resources: resources(workload('n1', 'spoof', '10.1.0.66', { role: 'api' })) as never };
    await (await openBucket(nats.nc, buckets.inventory)).put(kvKeys.node('alpha', 'n2'), JSON.stringify(body));
    // The forged report replaced n2's: its pods are gone, the spoofed one never arrives.
    await until("n1 to drop n2's pods", () => !ipSetMembers(db.dataplane).includes('10.1.0.9/32'));
    expect(ipSetMembers(db.dataplane)).not.toContain('10.1.0.66/32');
  });

  it('publishes its own inventory again when it changes (pods from the Kubernetes API), and refuses one it cannot take', async () => {
    const pods = (ips: string[]) =>
      resources([namespace('shop'), workload('n2', 'api', '10.1.0.9', { role: 'api' }), ...ips.map((ip, i) => workload('n2', `api-k${i}`, ip, { role: 'api' }))].join('---\n'));
    expect(api.agent.setInventory(pods(['10.1.0.20']))).toBeUndefined();
    await until("n1 to learn n2's new pod", () => ipSetMembers(db.dataplane).includes('10.1.0.20/32'));
    // A pod on another node: refused with the reason, nothing published.
    expect(api.agent.setInventory([...pods([]), ...resources(workload('n1', 'stray', '10.1.0.30', { role: 'api' }))])).toMatch(/runs on node n1, not on n2/);
    expect(api.agent.setInventory(pods([]))).toBeUndefined();
    await until("n1 to forget n2's stopped pod", () => !ipSetMembers(db.dataplane).includes('10.1.0.20/32'));
    expect(ipSetMembers(db.dataplane)).not.toContain('10.1.0.30/32');
  });

  it('moves every node to a new desired release and acks it', async () => {
    await publishDesired(nats.nc, 'alpha', B, 2);
    await until('both nodes to apply release B', () => agents.every((a) => a.agent.nodeStatus?.release === B.hash && a.agent.nodeStatus.state === 'applied'));
  });

  it('refuses a release whose content does not match its hash, and keeps the last good one in force', async () => {
    const forged = release(policyA.replace('5432', '1'));
    // Content of one release stored under another's name.
    await writeReleaseContent(
      await openBucket(nats.nc, buckets.releases),
      'alpha',
      A.hash.replace(/^./, (c) => (c === 'f' ? 'e' : 'f')),
      forged.body,
    );
    const badHash = A.hash.replace(/^./, (c) => (c === 'f' ? 'e' : 'f'));
    await (await openBucket(nats.nc, buckets.desired)).put('alpha', JSON.stringify({ cluster: 'alpha', release: badHash, version: 3, setAt: new Date().toISOString() }));
    const status = await until('n1 to report the failure', () => (db.agent.nodeStatus?.state === 'failed' ? db.agent.nodeStatus : undefined));
    expect(status.release).toBe(B.hash);
    expect(status.attempted).toBe(badHash);
    expect(status.error).toMatch(/altered/);
    expect(db.dataplane.ir).toBeDefined();
  });

  it('converges after a restart to whatever is desired by then', async () => {
    await db.agent.stop();
    await db.nc.close();
    agents.splice(agents.indexOf(db), 1);
    await publishDesired(nats.nc, 'alpha', A, 4);
    db = await startAgent('n1', namespace('shop') + '---\n' + workload('n1', 'db', '10.1.0.5', { role: 'db' }));
    await until('the restarted n1 to apply A', () => db.agent.nodeStatus?.state === 'applied' && db.agent.nodeStatus.release === A.hash);
    await until('n2 to apply A', () => api.agent.nodeStatus?.release === A.hash);
  });
});
