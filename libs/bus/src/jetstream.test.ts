import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServices, uniqueName } from '@palisade/testing';
import { connectBus } from './connect.js';
import { ensureStream } from './jetstream.js';

describe('JetStream streams (real NATS)', () => {
  let nc: NatsConnection;
  const name = uniqueName('bus').toUpperCase();
  const subjectRoot = `test.${name.toLowerCase()}`;

  beforeAll(async () => {
    nc = await connectBus({ url: testServices().natsUrl, name: 'bus-test' });
    await ensureStream(nc, { name, subjects: [`${subjectRoot}.>`], duplicate_window: 60_000_000_000 });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  it('ensureStream is idempotent and applies configuration changes', async () => {
    const again = await ensureStream(nc, { name, subjects: [`${subjectRoot}.>`], duplicate_window: 60_000_000_000, max_msgs: 1000 });
    expect(again.config.max_msgs).toBe(1000);
    expect(again.config.subjects).toEqual([`${subjectRoot}.>`]);
  });

  it("drops a re-published message with the same id (what makes the relay's retries harmless)", async () => {
    const js = jetstream(nc);
    const first = await js.publish(`${subjectRoot}.a`, JSON.stringify({ n: 1 }), { msgID: 'msg-1' });
    const second = await js.publish(`${subjectRoot}.a`, JSON.stringify({ n: 1 }), { msgID: 'msg-1' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });
});
