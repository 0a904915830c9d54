// A rollout traced: the CLI, the gateway, the rollout's activities on the worker, the gateway
// again for each of their requests, and the agents that apply the release each export spans to a
// collector (a receiver in this test's process, kept in memory). The rollout is one trace, whole
// (one root, every other span's parent among its spans): the workflow's start hands its
// traceparent to the workflow, which hands it to each activity. Tracing is off unless
// OTEL_TRACES_EXPORTER names an exporter; here the processes get it in their environment, as an
// operator would set it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdminToken } from '@palisade/domain';
import { cliSession, eventually } from '../support/cli-session.js';
import { fetchHistories, replayHistory } from '../test-support/histories.js';
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
  allowSelfApproval: true
  waves:
    - {name: all, clusterSelector: "env == 'staging'", soakTime: 0s, ackTimeout: 60s, requireApproval: true}
`;

describe('a rollout traced across the services', () => {
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  let gateway: TestGateway;
  let worker: TestWorker;
  let fleet: ChildProcess | undefined;
  const s = cliSession('palisade-trace');
  const context = () => `worker:\n${worker?.log().slice(-2000)}\nfleet:\n${s.fleetLog().slice(-2000)}\ngateway:\n${gateway?.log().slice(-2000)}`;
  let rolloutId = '';
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

  it('traces `palisade rollout start` as one trace: through the workflow and each of its activities down to every agent', async () => {
    const release = (await s.json<{ hash: string }>(['release', 'create'])).hash;
    const started = await s.json<{ id: string }>(['rollout', 'start', '--release', release, '--plan', s.file('plan.yaml', plan), '--reason', 'traced']);
    rolloutId = started.id;
    // An approval (an update that starts the wave's child workflows): the shape of history that
    // Temporal's workflow interceptors broke; the last test replays it.
    await eventually('the wave to wait for approval', async () => (await s.json<{ state: string }>(['rollout', 'status', started.id])).state === 'waiting-approval', { context });
    expect((await s.cli(['rollout', 'approve', started.id, '--reason', 'traced'])).code).toBe(0);
    await eventually(`rollout ${started.id} to complete`, async () => (await s.json<{ state: string }>(['rollout', 'status', started.id])).state === 'completed', { context });
    const byId = () => new Map(collector.spans.map((span) => [span.spanId, span]));
    const ancestry = (span: CollectedSpan): string[] => {
      const spans = byId();
      const names: string[] = [];
      for (let at: CollectedSpan | undefined = span; at; at = at.parentSpanId ? spans.get(at.parentSpanId) : undefined) names.push(`${at.service}: ${at.name}`);
      return names.reverse();
    };

    // Both agents' applies, and the rollout's last activity (its end), have reached the collector.
    const trace = await eventually(
      'the rollout trace to hold both agents’ applies and the rollout’s end',
      async () => {
        const root = rootSpans()[0];
        const spans = root ? collector.spans.filter((span) => span.traceId === root.traceId) : [];
        const applied = new Set(spans.filter((span) => span.name === 'agent apply release' && span.attributes['palisade.release'] === release).map((span) => span.attributes['palisade.cluster']));
        return applied.size === 2 && spans.some((span) => span.name === 'activity endRollout') && spans;
      },
      { timeoutMs: 60_000, intervalMs: 500, context: () => JSON.stringify(collector.spans.map((span) => `${span.service}: ${span.name}`)) },
    );
    expect(rootSpans()).toHaveLength(1);
    // Whole: one root, and every other span's parent is in the trace.
    const ids = new Set(trace.map((span) => span.spanId));
    expect(trace.filter((span) => !span.parentSpanId).map((span) => `${span.service}: ${span.name}`)).toEqual(['palisade-cli: palisade rollout start']);
    expect(trace.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId)).map((span) => `${span.service}: ${span.name}`)).toEqual([]);
    // No activity of this rollout left the trace.
    expect(collector.spans.filter((span) => span.name.startsWith('activity ') && span.traceId !== trace[0]!.traceId)).toEqual([]);

    const command = ['palisade-cli: palisade rollout start', 'palisade-cli: POST /trpc/rollouts.start', 'palisade-gateway: POST /trpc/rollouts.start', 'palisade-gateway: start rollout workflow'];
    const applies = trace.filter((span) => span.name === 'agent apply release');
    for (const apply of applies)
      expect(ancestry(apply)).toEqual([
        ...command,
        'palisade-worker: activity setClusterRelease',
        'palisade-gateway: rollout drive setRelease',
        'palisade-gateway: publish desired release',
        'palisade-agent: agent apply release',
      ]);
    // Every kind of step the rollout took is in it, each under the start.
    for (const activity of ['recordStep', 'setClusterRelease', 'waitForAcks', 'judgeClusterTraffic', 'endRollout']) {
      const span = trace.find((s2) => s2.name === `activity ${activity}`);
      expect(span, activity).toBeDefined();
      expect(ancestry(span!)).toEqual([...command, `palisade-worker: activity ${activity}`]);
      expect(span!.attributes['temporal.workflow_id']).toMatch(new RegExp(`^rollout-${started.id}`));
    }
  });

  it('keeps the trace in the audit record of the change it caused', async () => {
    const [row] = await gateway.database.query<{ payload: { trace?: string } }[]>`
      SELECT payload FROM events WHERE stream_id = 'cluster/staging' AND type = 'Cluster.DesiredReleaseSet' ORDER BY version DESC LIMIT 1`;
    const drive = collector.spans.find((span) => span.name === 'rollout drive setRelease' && row!.payload.trace?.includes(span.spanId));
    expect(drive, row!.payload.trace).toBeDefined();
    expect(row!.payload.trace).toBe(`00-${drive!.traceId}-${drive!.spanId}-01`);
  });

  it('traces `palisade cluster set-release` to the cluster’s agents, and keeps it in the audit record', async () => {
    expect((await s.cli(['apply', '-f', s.file('policy-2.yaml', policy.replace('[5432]', '[5432, 5433]'))])).code).toBe(0);
    const release = (await s.json<{ hash: string }>(['release', 'create'])).hash;
    expect((await s.cli(['cluster', 'set-release', 'staging', release, '--reason', 'traced by hand'])).code).toBe(0);
    const apply = await eventually(
      'the agent of staging to apply the release in a traced span',
      async () => collector.spans.find((span) => span.name === 'agent apply release' && span.attributes['palisade.release'] === release),
      { timeoutMs: 60_000, intervalMs: 500, context },
    );
    const spans = new Map(collector.spans.map((span) => [span.spanId, span]));
    const chain: CollectedSpan[] = [];
    for (let at: CollectedSpan | undefined = apply; at; at = at.parentSpanId ? spans.get(at.parentSpanId) : undefined) chain.unshift(at);
    expect(chain.map((span) => `${span.service}: ${span.name}`)).toEqual([
      'palisade-cli: palisade cluster set-release',
      'palisade-cli: POST /trpc/clusters.setRelease',
      'palisade-gateway: POST /trpc/clusters.setRelease',
      'palisade-gateway: publish desired release',
      'palisade-agent: agent apply release',
    ]);
    const [row] = await gateway.database.query<{ payload: { trace?: string } }[]>`
      SELECT payload FROM events WHERE stream_id = 'cluster/staging' AND type = 'Cluster.DesiredReleaseSet' ORDER BY version DESC LIMIT 1`;
    expect(row!.payload.trace).toBe(`00-${chain[2]!.traceId}-${chain[2]!.spanId}-01`);
  });

  it('replays the traced rollout’s histories (the workflow, and each cluster’s) against the workflow code', async () => {
    const histories = await fetchHistories(`WorkflowId STARTS_WITH 'rollout-${rolloutId}'`);
    expect(histories.map((h) => h.workflowId).sort()).toEqual([`rollout-${rolloutId}`, `rollout-${rolloutId}/staging`, `rollout-${rolloutId}/staging-b`]);
    for (const h of histories) await expect(replayHistory(h)).resolves.toBeUndefined();
  });
});
