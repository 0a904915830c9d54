// A rollout traced: the CLI, the gateway, the rollout's activities on the worker, the gateway
// again for each of their requests, and the agents that apply the release each export spans to a
// collector (a receiver in this test's process, kept in memory). Two traces, each whole (one root,
// every other span's parent among its spans): the command's, to the workflow's start, and each
// release activity's, down to every agent. The hop through the workflow itself is not traced yet. Tracing is off unless OTEL_TRACES_EXPORTER names an exporter; here
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

  it('traces `palisade rollout start` into the workflow, and each release activity down to every agent', async () => {
    const release = (await s.json<{ hash: string }>(['release', 'create'])).hash;
    const started = await s.json<{ id: string }>(['rollout', 'start', '--release', release, '--plan', s.file('plan.yaml', plan), '--reason', 'traced']);
    await eventually(`rollout ${started.id} to complete`, async () => (await s.json<{ state: string }>(['rollout', 'status', started.id])).state === 'completed', { context });
    const traceOf = (root: CollectedSpan | undefined): CollectedSpan[] => (root ? collector.spans.filter((span) => span.traceId === root.traceId) : []);
    const whole = (spans: CollectedSpan[]) => {
      const ids = new Set(spans.map((span) => span.spanId));
      return {
        roots: spans.filter((span) => !span.parentSpanId).map((span) => `${span.service}: ${span.name}`),
        dangling: spans.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId)).map((span) => `${span.service}: ${span.name}`),
      };
    };
    const byId = new Map<string, CollectedSpan>();
    const ancestry = (span: CollectedSpan): string[] => {
      for (const s2 of collector.spans) byId.set(s2.spanId, s2);
      const names: string[] = [];
      for (let at: CollectedSpan | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) names.push(`${at.service}: ${at.name.replace(/:.*$/, '')}`);
      return names.reverse();
    };

    // The command's trace: the CLI, its call, the gateway's request and the workflow's start.
    const command = await eventually(
      'the command trace',
      async () => {
        const t = traceOf(rootSpans()[0]);
        return t.some((span) => span.name === 'StartWorkflow:rolloutWorkflow') && t;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(rootSpans()).toHaveLength(1);
    expect(whole(command)).toEqual({ roots: ['palisade-cli: palisade rollout start'], dangling: [] });
    expect(ancestry(command.find((span) => span.name === 'StartWorkflow:rolloutWorkflow')!)).toEqual([
      'palisade-cli: palisade rollout start',
      'palisade-cli: POST /trpc/rollouts.start',
      'palisade-gateway: POST /trpc/rollouts.start',
      'palisade-gateway: StartWorkflow',
    ]);

    // Each release activity's trace: the worker's activity, the gateway's work for it, the publish
    // of the desired release, and each agent's apply (the workflow's own spans are not recorded:
    // see apps/worker/src/worker.ts).
    const applies = await eventually(
      'both agents to apply in a traced activity',
      async () => {
        const found = collector.spans.filter((span) => span.name === 'agent apply release' && span.attributes['palisade.release'] === release);
        return new Set(found.map((span) => span.attributes['palisade.cluster'])).size === 2 && found;
      },
      { timeoutMs: 60_000, intervalMs: 500, context: () => JSON.stringify(collector.spans.map((span) => `${span.service}: ${span.name}`)) },
    );
    for (const apply of applies) {
      const spans = traceOf(apply);
      expect(whole(spans)).toEqual({ roots: ['palisade-worker: RunActivity:setClusterRelease'], dangling: [] });
      expect(ancestry(apply)).toEqual([
        'palisade-worker: RunActivity',
        'palisade-gateway: rollout drive setRelease',
        'palisade-gateway: publish desired release',
        'palisade-agent: agent apply release',
      ]);
    }
  });

  it('keeps the trace in the audit record of the change it caused', async () => {
    const [row] = await gateway.database.query<{ payload: { trace?: string } }[]>`
      SELECT payload FROM events WHERE stream_id = 'cluster/staging' AND type = 'Cluster.DesiredReleaseSet' ORDER BY version DESC LIMIT 1`;
    const drive = collector.spans.find((span) => span.name === 'rollout drive setRelease' && row!.payload.trace?.includes(span.spanId));
    expect(drive, row!.payload.trace).toBeDefined();
    expect(row!.payload.trace).toBe(`00-${drive!.traceId}-${drive!.spanId}-01`);
  });
});
