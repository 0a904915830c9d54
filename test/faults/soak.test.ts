// Issue 11's soak: applies from several writers while PostgreSQL is restarted twice and NATS once.
// The gateway must stay up; every acknowledged write is in the log exactly once; JetStream holds
// every event, in order, once; the chain verifies. The services are the test's own processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultPlatform, until, type FaultPlatform } from './test-support/platform.js';

const WRITERS = 4;

const policy = (name: string) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'soak' },
  spec: { selector: "app == 'api'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } }] },
});

interface Outcome {
  name: string;
  status: number;
}

describe('soak: writers through PostgreSQL and NATS restarts', () => {
  let platform: FaultPlatform;

  beforeAll(async () => {
    platform = await startFaultPlatform('soak');
    await until('the gateway to be ready', async () => (await platform.readyz()).status === 200, 60_000, platform.gatewayLog);
  }, 180_000);
  afterAll(async () => {
    await platform?.close();
  });

  it('loses, repeats and reorders nothing, and the gateway never exits', async () => {
    const outcomes: Outcome[] = [];
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; writing; i++) {
        const name = `w${w}-${i}`;
        const { status } = await platform.call('resources.put', { resources: [policy(name)], reason: `soak write ${i} of writer ${w}` });
        outcomes.push({ name, status });
        // While a service is down, answers come fast: do not spin.
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const acked = () => outcomes.filter((o) => o.status === 200).length;

    const faults: string[] = [];
    const restartPostgres = async (n: number) => {
      const before = acked();
      await until(`writes before PostgreSQL restart ${n}`, () => acked() >= before + 20, 30_000, platform.gatewayLog);
      await platform.stopPostgres();
      await pause(2_000);
      await platform.startPostgres();
      faults.push(`postgres ${n}`);
    };
    await restartPostgres(1);
    {
      const before = acked();
      await until('writes before the NATS restart', () => acked() >= before + 20, 60_000, platform.gatewayLog);
      await platform.stopNats();
      await pause(3_000);
      await platform.startNats();
      faults.push('nats');
    }
    await restartPostgres(2);
    const before = acked();
    await until('writes after the last fault', () => acked() >= before + 20, 60_000, platform.gatewayLog);
    writing = false;
    await Promise.all(writers);
    expect(faults).toEqual(['postgres 1', 'nats', 'postgres 2']);
    expect(platform.gatewayAlive(), platform.gatewayLog().slice(-3000)).toBe(true);

    // Every acknowledged write is in the log exactly once; an unanswered one at most once.
    const rows = await platform.database.query<{ stream_id: string; n: bigint }[]>`
      SELECT stream_id, count(*) AS n FROM events WHERE stream_id LIKE 'resource/NetworkPolicy/soak/%' GROUP BY stream_id`;
    const counts = new Map(rows.map((r) => [r.stream_id, Number(r.n)]));
    const ok = outcomes.filter((o) => o.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(80);
    for (const o of ok) expect(counts.get(`resource/NetworkPolicy/soak/${o.name}`), o.name).toBe(1);
    for (const o of outcomes) expect(counts.get(`resource/NetworkPolicy/soak/${o.name}`) ?? 0, o.name).toBeLessThanOrEqual(1);
    // Some writes failed while a service was down: the faults really happened under load.
    expect(outcomes.some((o) => o.status !== 200)).toBe(true);

    // JetStream: every event, once, in position order.
    await until('JetStream to hold every event', async () => (await platform.published()).length >= (await platform.events()).length, 60_000, platform.gatewayLog);
    expect(await platform.published()).toEqual(await platform.events());

    // The chain verifies to its end, against the newest anchor on JetStream, which holds the head.
    type Verified = { ok: boolean; unsealed: number; anchor?: { ok: boolean; anchor: { position: number } }; anchorSource: string; broken?: { problem: string } };
    const verify = async () => ((await platform.query('audit.verify')).body as { result?: { data?: Verified } }).result?.data;
    const last = (await platform.events()).at(-1)!.position;
    await until(
      'the chain sealed to the end and anchored',
      async () => {
        const result = await verify();
        return result?.ok === true && result.unsealed === 0 && result.anchorSource === 'jetstream' && result.anchor?.anchor.position === last;
      },
      30_000,
      platform.gatewayLog,
    );
    await until('the gateway to be ready', async () => (await platform.readyz()).status === 200, 30_000, platform.gatewayLog);

    // Removing the newest event and its link leaves a chain that holds together: the anchor does not.
    await platform.database.executeText('ALTER TABLE events DISABLE TRIGGER USER; ALTER TABLE event_chain DISABLE TRIGGER USER');
    await platform.database.executeText(`DELETE FROM event_chain WHERE position = ${last}; DELETE FROM events WHERE position = ${last}`);
    await platform.database.executeText('ALTER TABLE events ENABLE TRIGGER USER; ALTER TABLE event_chain ENABLE TRIGGER USER');
    const truncated = await verify();
    expect(truncated).toMatchObject({ ok: false, anchorSource: 'jetstream', anchor: { ok: false } });
    expect(truncated!.broken!.problem).toContain('events were removed from the end of the log');
  }, 300_000);
});
