import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testServices, uniqueName } from '@palisade/testing';
import { connectBus } from './connect.js';
import { consumeJson, ensureDurableConsumer, ensureStream, publishJson } from './jetstream.js';

const Greeting = z.object({ n: z.number().int(), text: z.string() });
type Greeting = z.infer<typeof Greeting>;

describe('JetStream publish and consume with explicit acks (real NATS)', () => {
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

  it('drops a re-published message with the same id', async () => {
    const first = await publishJson(nc, `${subjectRoot}.a`, { n: 1, text: 'one' }, 'msg-1');
    const second = await publishJson(nc, `${subjectRoot}.a`, { n: 1, text: 'one' }, 'msg-1');
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
  });

  it('delivers, redelivers on retry, rejects invalid messages, and acks', async () => {
    await publishJson(nc, `${subjectRoot}.b`, { n: 2, text: 'two' }, 'msg-2');
    await publishJson(nc, `${subjectRoot}.b`, { n: 'three' }, 'msg-3');
    await publishJson(nc, `${subjectRoot}.b`, { n: 4, text: 'four' }, 'msg-4');

    const consumer = 'reader';
    await ensureDurableConsumer(nc, { stream: name, name: consumer, ackWaitMs: 2_000 });
    const seen: { n: number; redelivered: boolean }[] = [];
    const invalid: string[] = [];
    const controller = new AbortController();
    let retried = false;
    await consumeJson<Greeting>(nc, {
      stream: name,
      consumer,
      schema: Greeting,
      signal: controller.signal,
      onInvalid: (subject, reason) => invalid.push(`${subject}: ${reason}`),
      handle: async (message, meta) => {
        seen.push({ n: message.n, redelivered: meta.redelivered });
        if (message.n === 2 && !retried) {
          retried = true;
          return 'retry';
        }
        if (seen.filter((s) => !(s.n === 2 && !s.redelivered)).length === 3) controller.abort();
        return 'ack';
      },
    });

    expect(seen.map((s) => s.n).sort()).toEqual([1, 2, 2, 4]);
    expect(seen.find((s) => s.n === 2 && s.redelivered)).toBeDefined();
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatch(new RegExp(`^${subjectRoot}\\.b: `));

    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(name, consumer);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(4);
  });
});
