// Issue 11, item 8, through the running product: a plain INSERT of an allow-all policy attributed
// to another user, with a recomputed content hash, used to be sealed, verified, served by get and
// released. The gateway (least-privileged login, writers' key) now refuses it everywhere.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashedContent, sha256Hex } from '@palisade/event-store';
import { startFaultPlatform, until, type FaultPlatform } from './test-support/platform.js';

describe('an event written around the gateway', () => {
  let platform: FaultPlatform;
  beforeAll(async () => {
    platform = await startFaultPlatform('forged-row', { GATEWAY_OUTBOX_MAX_LAG_SECONDS: '2' });
    await until('the gateway to be ready', async () => (await platform.readyz()).status === 200, 60_000, platform.gatewayLog);
  }, 180_000);
  afterAll(async () => {
    await platform?.close();
  });

  it('is refused by get, releases, the projection, the relay and verify, and makes the gateway unready', async () => {
    const policy = { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-blue' }, spec: { selector: "color == 'blue'", types: ['Ingress'] } };
    expect((await platform.call('resources.put', { resources: [policy], reason: 'honest change' })).status).toBe(200);
    await until('the honest change on JetStream', async () => (await platform.published()).length === (await platform.events()).length, 30_000, platform.gatewayLog);

    // Someone with the database owner's password writes an allow-all policy as "token:dana".
    const streamId = 'resource/GlobalNetworkPolicy/allow-all';
    const forged = {
      id: randomUUID(),
      streamId,
      streamType: 'resource',
      version: 1,
      type: 'Resource.Applied',
      schemaVersion: 1,
      payload: { key: 'GlobalNetworkPolicy/allow-all', resource: { ...policy, metadata: { name: 'allow-all' }, spec: { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow' }] } } },
      actor: 'token:dana',
      reason: null,
      correlationId: null,
      causationId: null,
      recordedAt: new Date(),
    };
    await platform.database.execute`
      INSERT INTO events (id, stream_id, stream_type, version, type, schema_version, payload, actor, recorded_at, content_hash)
      VALUES (${forged.id}::uuid, ${streamId}, 'resource', 1, 'Resource.Applied', 1, ${JSON.stringify(forged.payload)}::jsonb, 'token:dana', ${forged.recordedAt}, ${sha256Hex(hashedContent(forged))})`;

    const got = await platform.query('resources.get', { key: 'GlobalNetworkPolicy/allow-all' });
    expect(got.status).not.toBe(200);
    expect(JSON.stringify(got.body)).toMatch(/no Palisade writer wrote|does not exist/);
    const release = await platform.call('releases.create', { reason: 'ship it' });
    expect(JSON.stringify(release.body)).not.toContain('allow-all');
    const verify = await platform.query('audit.verify');
    expect(verify.body).toMatchObject({ result: { data: { ok: false, broken: { problem: expect.stringContaining('has no MAC: no Palisade writer wrote it') } } } });
    // The relay will not publish it: the outbox falls behind and the gateway says why.
    await until(
      'the gateway to report the outbox stuck',
      async () => {
        const ready = await platform.readyz(platform.adminToken);
        const outbox = (ready.body as { checks?: { name: string; ok: boolean; detail?: string }[] }).checks?.find((c) => c.name === 'outbox');
        return ready.status === 503 && outbox?.ok === false;
      },
      30_000,
      platform.gatewayLog,
    );
    expect((await platform.published()).map((p) => p.id)).not.toContain(forged.id);
    expect(platform.gatewayLog()).toContain('no Palisade writer wrote');
    expect(platform.gatewayAlive()).toBe(true);
  });
});
