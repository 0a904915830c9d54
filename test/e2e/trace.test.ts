// One rollout as one trace: the CLI, the gateway, the rollout workflow and its activities on the
// worker, the gateway again for each of their requests, and the agents that apply the release
// each export spans to a collector (a receiver in this test's process, kept in memory). The
// trace must be whole: one root (the CLI command), every other span's parent among its spans,
// and every service there. Tracing is off unless OTEL_TRACES_EXPORTER names an exporter; here
// the processes get it in their environment, as an operator would set it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import { cliSession, eventually } from '../support/cli-session.js';
import { startOtlpCollector, type CollectedSpan } from '../support/otlp-collector.js';
import { startTestGateway, type TestGateway } from '../test-support/gateway.js';
import { startTestWorker, type TestWorker } from '../test-support/worker.js';

const policy = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: shop}
spec:
  selector: app == 'db'
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'api'}, destination: {ports: [5432]}}
`;
const mix = `flows:
- {from: "app == 'api'", to: "app == 'db'", protocol: TCP, port: 5432, perSecond: 1}
`;
const plan = `apiVersion: palisade.dev/v1
kind: RolloutPlan
metadata: {name: traced}
spec:
  waves:
    - {name: all, clusterSelector: "env == 'staging'", soakTime: 0s, ackTimeout: 60s}
`;

describe('a rollout traced across the services', () => {
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  let gateway: TestGateway;
  let worker: TestWorker;
  let fleet: ChildProcess | undefined;
  const s = cliSession('palisade-trace');
  const context = () => `worker:\n${worker?.log().slice(-2000)}\nfleet:\n${s.fleetLog().slice(-2000)}\ngateway:\n${gateway?.log().slice(-2000)}`;
  const rootSpans = () => collector.spans.filter((span) => span.name === 'palisade rollout start' && span.service === 'palisade-cli');

  beforeAll(async () => {
    collector = await startOtlpCollector();
    // Spans leave each process within 200 ms of ending, rather than the SDK's default 5 s.
    const otel = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    const taskQueue = `traces-${randomUUID()}`;
    gateway = await startTestGateway('traces', { env: { TEMPORAL_TASK_QUEUE: taskQueue, ...otel } });
    worker = await startTestWorker(gateway.natsUrl, taskQueue, otel);
    s.tokens['admin'] = (await bootstrapAdminToken(gateway.database))!.token;
    s.useGateway(gateway.url, otel);
    // Two clusters of one agent each, both in the one wave.
    await s.registerClusters({ staging: 'staging', 'staging-b': 'staging' });
    expect((await s.cli(['apply', '-f', s.file('policy.yaml', policy)])).code).toBe(0);
    fleet = await s.startFleet(['staging', 'staging-b'], mix, context);
  }, 240_000);

  afterAll(async () => {
    if (fleet && fleet.exitCode === null) fleet.kill('SIGKILL');
    await worker?.stop();
    await gateway?.stop();
    await collector?.close();
  });

  it('records `palisade rollout start` as one whole trace, from the CLI to every agent', async () => {
    const release = (await s.json<{ hash: string }>(['release', 'create'])).hash;
    const started = await s.json<{ id: string }>(['rollout', 'start', '--release', release, '--plan', s.file('plan.yaml', plan), '--reason', 'traced']);
    await eventually(`rollout ${started.id} to complete`, async () => (await s.json<{ state: string }>(['rollout', 'status', started.id])).state === 'completed', { context });

    const traceOf = (): CollectedSpan[] => {
      const root = rootSpans()[0];
      return root ? collector.spans.filter((span) => span.traceId === root.traceId) : [];
    };
    // Workflow spans leave the worker as their workflows end; the agents' as each applies.
    const wanted = [
      'POST /trpc/rollouts.start',
      'StartWorkflow:rolloutWorkflow',
      'RunWorkflow:rolloutWorkflow',
      'RunActivity:setClusterRelease',
      'rollout drive setRelease',
      'publish desired release',
    ];
    const spans = await eventually(
      'the whole trace',
      async () => {
        const t = traceOf();
        const names = new Set(t.map((span) => span.name));
        const applied = new Set(t.filter((span) => span.name === 'agent apply release').map((span) => span.attributes['palisade.cluster']));
        return wanted.every((n) => names.has(n)) && applied.size === 2 && t;
      },
      { timeoutMs: 60_000, intervalMs: 500, context: () => `spans of the trace: ${JSON.stringify(traceOf().map((span) => `${span.service}: ${span.name}`))}` },
    );

    expect(rootSpans()).toHaveLength(1);
    const ids = new Set(spans.map((span) => span.spanId));
    // One root, the CLI command; every other span's parent is in the trace (none dangles).
    expect(spans.filter((span) => !span.parentSpanId).map((span) => `${span.service}: ${span.name}`)).toEqual(['palisade-cli: palisade rollout start']);
    expect(spans.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId)).map((span) => `${span.service}: ${span.name}`)).toEqual([]);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['palisade-cli', 'palisade-gateway', 'palisade-worker', 'palisade-agent']));

    // The chain, link by link: each step is the child of the one before it.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestry = (span: CollectedSpan): string[] => {
      const names: string[] = [];
      for (let at: CollectedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) names.push(`${at.service}: ${at.name.replace(/:.*$/, '')}`);
      return names.reverse();
    };
    const apply = spans.find((span) => span.name === 'agent apply release' && span.attributes['palisade.cluster'] === 'staging')!;
    expect(apply.attributes['palisade.release']).toBe(release);
    const chain = ancestry(apply);
    expect(chain.slice(0, 3)).toEqual(['palisade-cli: palisade rollout start', 'palisade-cli: POST /trpc/rollouts.start', 'palisade-gateway: POST /trpc/rollouts.start']);
    expect(chain.slice(-4)).toEqual(['palisade-worker: RunActivity', 'palisade-gateway: rollout drive setRelease', 'palisade-gateway: publish desired release', 'palisade-agent: agent apply release']);
    expect(chain).toContain('palisade-worker: RunWorkflow');
  });

  it('keeps the trace in the audit record of the change it caused', async () => {
    const [row] = await gateway.database.query<{ payload: { trace?: string } }[]>`
      SELECT payload FROM events WHERE stream_id = 'cluster/staging' AND type = 'Cluster.DesiredReleaseSet' ORDER BY version DESC LIMIT 1`;
    expect(row!.payload.trace).toMatch(new RegExp(`^00-${rootSpans()[0]!.traceId}-[0-9a-f]{16}-01$`));
  });
});
