// Issue 11, item 1: a PostgreSQL restart, or a killed backend under the relay's lock, used to kill
// the gateway for good (an unhandled 'error' from a pg.Client). The gateway runs as a process here,
// on a private PostgreSQL this test stops, starts and severs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultPlatform, until, type FaultPlatform } from './test-support/platform.js';

const policy = (name: string) => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'shop' },
  spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { selector: "app == 'lb'" } }] },
});

interface Check {
  name: string;
  ok: boolean;
}

describe('the gateway through PostgreSQL faults', () => {
  let platform: FaultPlatform;
  let n = 0;
  const apply = () => platform.call('resources.put', { resources: [policy(`p${++n}`)], reason: 'fault test' });
  const readyChecks = async () => {
    const ready = await platform.readyz(platform.adminToken);
    return { status: ready.status, checks: ((ready.body as { checks?: Check[] }).checks ?? []) as Check[] };
  };

  beforeAll(async () => {
    platform = await startFaultPlatform('pg-restart');
    await until('the gateway to be ready', async () => (await platform.readyz()).status === 200, 60_000, platform.gatewayLog);
  }, 180_000);
  afterAll(async () => {
    await platform?.close();
  });

  it('outlives every backend it holds being terminated: pools, LISTEN and the relay', async () => {
    expect((await apply()).status).toBe(200);
    // The relay has published, so whatever connection it keeps is open now.
    await until('the first event on JetStream', async () => (await platform.published()).length > 0, 30_000, platform.gatewayLog);
    const killed = await platform.terminateBackends();
    expect(killed).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(platform.gatewayAlive(), platform.gatewayLog().slice(-3000)).toBe(true);
    await until('a write to succeed again', async () => (await apply()).status === 200, 30_000, platform.gatewayLog);
    await until('every event on JetStream', async () => (await platform.published()).length === (await platform.events()).length, 30_000, platform.gatewayLog);
  });

  it('reports PostgreSQL down while it is stopped, and carries on once it is back', async () => {
    await platform.stopPostgres();
    await until(
      '/readyz to report PostgreSQL down',
      async () => {
        const r = await readyChecks();
        return r.status === 503 && r.checks.some((c) => c.name === 'postgres' && !c.ok);
      },
      20_000,
      platform.gatewayLog,
    );
    // Writes fail cleanly meanwhile, with an answer, not a hang or a crash.
    const during = await apply();
    expect(during.status).toBeGreaterThanOrEqual(500);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(platform.gatewayAlive(), platform.gatewayLog().slice(-3000)).toBe(true);

    await platform.startPostgres();
    await until('/readyz to report ok again', async () => (await readyChecks()).status === 200, 60_000, platform.gatewayLog);
    await until('a write to succeed again', async () => (await apply()).status === 200, 30_000, platform.gatewayLog);
    await until('every event on JetStream, in order', async () => JSON.stringify(await platform.published()) === JSON.stringify(await platform.events()), 30_000, platform.gatewayLog);
    expect(platform.gatewayAlive()).toBe(true);
    // Every background loop reports its lag, and the relay found nothing foreign on the stream.
    await until(
      'the lag gauges to be sampled',
      async () => (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } }).then((r) => r.text())).includes('palisade_outbox_lag_positions'),
      30_000,
      platform.gatewayLog,
    );
    const metrics = await (await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })).text();
    for (const loop of ['sealer', 'projection', 'outbox', 'snapshotter']) expect(metrics).toMatch(new RegExp(`^palisade_${loop}_lag_seconds \\d`, 'm'));
    expect(metrics).toContain('palisade_outbox_foreign_messages_removed_total 0');
  }, 180_000);
});
