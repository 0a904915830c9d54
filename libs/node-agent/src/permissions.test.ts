// Agent credentials as nats-server enforces them (operator mode, the local stack's
// configuration): an agent of cluster alpha converges with nothing more than its permissions,
// is refused cluster beta's desired release, release content and inventory, is refused another
// node's status, inventory and heartbeat subjects and the platform's own subjects, and is cut off
// when its key is revoked.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, jwtAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { agentInboxPrefix, agentPermissions, buckets, connectBus, kvKeys, openBucket, readReleaseContent, subjects } from '@palisade/bus';
import { parseNatsUrl } from '@palisade/contracts';
import { encodePlatformAccount, issueUser, NatsAuth, pushAccount } from '@palisade/nats-auth';
import { NodeAgent } from './agent.js';
import { SimulatedDataplane } from './dataplane/simulated.js';
import { namespace, natsWithBuckets, publishDesired, release, resources, until, workload } from './test-support/fixtures.js';

const policy = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: default-deny}
spec: {selector: all(), types: [Ingress]}
`;
const alphaRelease = release(policy);
const betaRelease = release(policy.replace('default-deny', 'beta-only'));

let nats: Awaited<ReturnType<typeof natsWithBuckets>>;
let auth: NatsAuth;
const open: NatsConnection[] = [];

async function connectAgent(cluster: string, node: string) {
  const user = await issueUser(auth, `${cluster}/${node}`, agentPermissions(cluster, node));
  const nc = await connectBus({
    url: nats.url.replace(/\/\/[^@]*@/, '//'),
    name: `agent ${cluster}/${node}`,
    credentials: { jwt: user.jwt, seed: user.seed },
    inboxPrefix: agentInboxPrefix(cluster, node),
  });
  open.push(nc);
  return { nc, user };
}

/** The next permissions violation the server reports on a connection (core publishes fail silently otherwise). */
async function violation(nc: NatsConnection, timeoutMs = 3_000): Promise<string> {
  const iterator = nc.status()[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const next = await Promise.race([iterator.next(), new Promise<undefined>((r) => setTimeout(() => r(undefined), deadline - Date.now()))]);
    if (!next || next.done) break;
    const s = next.value as { type: string; error?: Error; permissionContext?: { operation: string; subject: string } };
    if (s.type === 'error' && /permission/i.test(String(s.error?.message ?? s.error))) return String(s.error?.message);
  }
  throw new Error('no permissions violation reported');
}

beforeAll(async () => {
  nats = await natsWithBuckets('agent-permissions');
  auth = NatsAuth.parse(JSON.parse(readFileSync(nats.authFile, 'utf8')));
  await publishDesired(nats.nc, 'alpha', alphaRelease, 1);
  await publishDesired(nats.nc, 'beta', betaRelease, 1);
  const inventory = await openBucket(nats.nc, buckets.inventory);
  await inventory.put(kvKeys.node('beta', 'b1'), JSON.stringify({ cluster: 'beta', node: 'b1', at: new Date().toISOString(), resources: [] }));
});

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await nats?.stop();
});

describe('agent credentials, enforced by nats-server', () => {
  it('serves no client without credentials', async () => {
    await expect(connect({ servers: parseNatsUrl(nats.url).servers, reconnect: false, timeout: 3_000 })).rejects.toThrow(/authoriz/i);
  });

  it('are enough for an agent to converge, bind its buckets and ack', async () => {
    const { nc } = await connectAgent('alpha', 'n1');
    const dataplane = new SimulatedDataplane();
    const agent = new NodeAgent({
      nc,
      cluster: 'alpha',
      node: 'n1',
      dataplane,
      agentVersion: 'test',
      inventory: resources(namespace('shop') + '---\n' + workload('n1', 'web-1', '10.1.0.5', { app: 'web' })),
      heartbeatSeconds: 1,
      driftSeconds: 0,
    });
    try {
      await agent.start();
      await until('the alpha agent to apply its release', () => agent.nodeStatus?.state === 'applied' && agent.nodeStatus.release === alphaRelease.hash);
      const ack = await (await openBucket(nats.nc, buckets.nodes)).get(kvKeys.node('alpha', 'n1'));
      expect(JSON.parse(ack!.string())).toMatchObject({ state: 'applied', release: alphaRelease.hash });
    } finally {
      await agent.stop();
    }
  });

  it("refuses an alpha agent cluster beta's desired release, release content and inventory", async () => {
    const { nc } = await connectAgent('alpha', 'n2');
    const desired = await openBucket(nc, buckets.desired);
    expect(JSON.parse((await desired.get(kvKeys.desired('alpha')))!.string())).toMatchObject({ release: alphaRelease.hash });
    await expect(desired.get(kvKeys.desired('beta'))).rejects.toThrow(/permission/i);
    await expect(readReleaseContent(await openBucket(nc, buckets.releases), 'beta', betaRelease.hash)).rejects.toThrow(/permission/i);
    expect((await readReleaseContent(await openBucket(nc, buckets.releases), 'alpha', alphaRelease.hash)).resources).toHaveLength(1);
    const inventory = await openBucket(nc, buckets.inventory);
    await expect(inventory.get(kvKeys.node('beta', 'b1'))).rejects.toThrow(/permission/i);
    await expect(inventory.watch({ key: kvKeys.clusterNodes('beta') })).rejects.toThrow(/permission/i);
    await expect(desired.watch({ key: kvKeys.desired('beta') })).rejects.toThrow(/permission/i);
  });

  it("refuses an agent another node's status, inventory and heartbeat, and the platform's subjects (events, rollout requests)", async () => {
    const { nc } = await connectAgent('alpha', 'n3');
    const nodes = await openBucket(nc, buckets.nodes);
    await nodes.put(kvKeys.node('alpha', 'n3'), '{}');
    await expect(nodes.put(kvKeys.node('alpha', 'n1'), '{}')).rejects.toThrow();
    await expect(nodes.put(kvKeys.node('beta', 'n3'), '{}')).rejects.toThrow();
    const inventory = await openBucket(nc, buckets.inventory);
    await expect(inventory.put(kvKeys.node('alpha', 'n1'), '{}')).rejects.toThrow();
    // Nothing reached the platform's copy of n1's status.
    expect(JSON.parse((await (await openBucket(nats.nc, buckets.nodes)).get(kvKeys.node('alpha', 'n1')))!.string())).toMatchObject({ state: 'applied' });

    const reported = violation(nc);
    nc.publish(subjects.agentHeartbeat('alpha', 'n1'), '{}');
    expect(await reported).toMatch(/publish.*palisade\.agents\.alpha\.n1\.heartbeat/i);
    const events = violation(nc);
    nc.subscribe(subjects.allEvents);
    expect(await events).toMatch(/subscription.*palisade\.events/i);
    await expect(jetstream(nc).publish(subjects.event('resource', 'x'), '{}', { timeout: 2_000 })).rejects.toThrow();
    // Nor may it ask the gateway to act for a rollout (set a cluster's release, record a step).
    const drive = violation(nc);
    nc.publish(subjects.rolloutDrive('setRelease'), '{}');
    expect(await drive).toMatch(/publish.*palisade\.rollouts\.drive\.setRelease/i);
  });

  it('cuts a node off when its key is revoked, and keeps it out', async () => {
    const { nc, user } = await connectAgent('alpha', 'n4');
    const desired = await openBucket(nc, buckets.desired);
    expect(await desired.get(kvKeys.desired('alpha'))).toBeTruthy();
    const sys = await connect({ ...parseNatsUrl(nats.url.replace(/\/\/[^@]*@/, `//${auth.systemUserJwt}@`)), name: 'system' });
    open.push(sys);
    await pushAccount(
      async (subject, data, timeoutMs) => (await sys.request(subject, data, { timeout: timeoutMs })).string(),
      await encodePlatformAccount(auth, { [user.userKey]: Math.floor(Date.now() / 1000) + 1 }),
    );
    // The server closes the revoked user's connection and refuses it on every reconnect.
    const deadline = Date.now() + 15_000;
    let cutOff = false;
    while (!cutOff && Date.now() < deadline) {
      cutOff =
        nc.isClosed() ||
        (await desired.get(kvKeys.desired('alpha')).then(
          () => false,
          () => true,
        ));
      if (!cutOff) await new Promise((r) => setTimeout(r, 200));
    }
    expect(cutOff).toBe(true);
    await expect(
      connect({ servers: parseNatsUrl(nats.url).servers, authenticator: jwtAuthenticator(user.jwt, new TextEncoder().encode(user.seed)), reconnect: false, timeout: 3_000 }),
    ).rejects.toThrow(/authoriz|revoked/i);
    // A new join gets a new key, which the revocation does not name.
    const again = await issueUser(auth, 'alpha/n4', agentPermissions('alpha', 'n4'));
    expect(again.userKey).not.toBe(user.userKey);
  });
});
