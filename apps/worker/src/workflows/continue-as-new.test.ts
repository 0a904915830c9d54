// A long rollout continues as new between waves, carrying where it is, and still ends with every
// cluster done. The workflow runs on the real Temporal dev server; its activities are stand-ins
// that succeed at once (the real ones, which ask the gateway, are exercised in test/rollouts).
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RolloutStatus, RolloutWorkflowInput } from '@palisade/rollout';
import { testServices, uniqueName } from '@palisade/testing';
import type { RolloutActivities } from '../rollout/activities.js';
import { workflowsPath } from '../worker.js';

let connection: Connection;
let client: Client;
beforeAll(async () => {
  connection = await Connection.connect({ address: testServices().temporalAddress });
  client = new Client({ connection, namespace: testServices().temporalNamespace });
});
afterAll(async () => {
  await connection?.close();
});

const gates = { offlineAgentsTolerated: 0, maxApplyErrors: 0, newlyDeniedFlows: 0, denyRateIncreasePercent: 5 };
const wave = (name: string, clusters: string[]) => ({
  name,
  clusters,
  maxConcurrentClusters: 2,
  maxFailedClusters: 0,
  ackTimeoutMs: 60_000,
  soakMs: 0,
  baselineMs: 600_000,
  requireApproval: false,
  gates,
});

it('continues as new at a wave boundary once its history is long, and completes every wave, every activity in the start’s trace', async () => {
  const steps: string[] = [];
  // The trace each activity was handed, by activity: the start's, across child workflows and runs.
  const traces: string[] = [];
  const activities: RolloutActivities = {
    setClusterRelease: async (_, trace) => {
      traces.push(`setClusterRelease ${trace}`);
      return { changed: true, before: null, at: new Date().toISOString() };
    },
    recordStep: async (r, trace) => {
      traces.push(`recordStep ${trace}`);
      steps.push(`${r.step}/${String(r.payload['wave'] ?? '')}/${String(r.payload['cluster'] ?? '')}`);
      return {};
    },
    endRollout: async (r, trace) => {
      traces.push(`endRollout ${trace}`);
      steps.push(`end/${r.outcome}`);
      return {};
    },
    judgeClusterTraffic: async (_, trace) => {
      traces.push(`judgeClusterTraffic ${trace}`);
      return { ok: true, reasons: [], newlyDenied: [], denyRate: { baseline: 0, soak: 0, increase: 0 } };
    },
    waitForAcks: async (_, trace) => {
      traces.push(`waitForAcks ${trace}`);
      return { acked: 2, total: 2, failed: [], offline: [], waiting: [], done: true, failedReason: undefined, timedOut: false };
    },
  };
  const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const taskQueue = uniqueName('continue-as-new');
  const worker = await Worker.create({
    connection: await (await import('@temporalio/worker')).NativeConnection.connect({ address: testServices().temporalAddress }),
    namespace: testServices().temporalNamespace,
    taskQueue,
    workflowsPath: workflowsPath(),
    activities,
  });
  const input: RolloutWorkflowInput = {
    id: '00000000-0000-4000-8000-000000000001',
    release: 'a'.repeat(64),
    plan: 'long',
    startedBy: 'test',
    allowSelfApproval: false,
    previous: {},
    waves: [wave('one', ['c1', 'c2']), wave('two', ['c3', 'c4']), wave('three', ['c5'])],
    // Low, so this small rollout crosses it after its first wave.
    maxHistoryEvents: 20,
    trace,
  };
  const workflowId = uniqueName('long-rollout');
  const status = await worker.runUntil(async () => {
    const handle = await client.workflow.start('rolloutWorkflow', { taskQueue, workflowId, args: [input] });
    return (await handle.result()) as RolloutStatus;
  });
  expect(status.state, JSON.stringify(status.reason)).toBe('completed');
  expect(status.waves.map((w) => [w.name, w.state, w.clusters.map((c) => c.state)])).toEqual([
    ['one', 'completed', ['succeeded', 'succeeded']],
    ['two', 'completed', ['succeeded', 'succeeded']],
    ['three', 'completed', ['succeeded']],
  ]);
  // More than one run, and every step once.
  let runs = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs++;
  expect(runs).toBeGreaterThan(1);
  expect(steps.filter((s) => s.startsWith('Rollout.ClusterStarted'))).toHaveLength(5);
  expect(steps.filter((s) => s.startsWith('Rollout.WaveStarted'))).toEqual(['Rollout.WaveStarted/one/', 'Rollout.WaveStarted/two/', 'Rollout.WaveStarted/three/']);
  expect(steps.at(-1)).toBe('end/completed');
  // Every activity of every run and child workflow got the start's trace.
  expect(traces.filter((t) => !t.endsWith(` ${trace}`))).toEqual([]);
  expect(new Set(traces.map((t) => t.split(' ')[0]))).toEqual(new Set(['recordStep', 'setClusterRelease', 'waitForAcks', 'judgeClusterTraffic', 'endRollout']));
}, 120_000);
