import { proxyActivities, sleep, uuid4 } from '@temporalio/workflow';
import type { RolloutActivities } from '../rollout/activities.js';
import type { WorkflowWave } from '@palisade/rollout';
import { traced } from './traced.js';

const activities = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface ClusterRolloutInput {
  rollout: string;
  release: string;
  wave: WorkflowWave;
  cluster: string;
  /** The rollout's traceparent, when its start was traced (see RolloutWorkflowInput.trace). */
  trace?: string;
}

export interface ClusterOutcome {
  cluster: string;
  ok: boolean;
  reason: string | null;
  acked: number;
  total: number;
  evidence: unknown;
}

/** Waits for acks with a heartbeating activity: long, so a worker that dies is noticed by its heartbeat. */
const acksFor = (ackTimeoutMs: number) =>
  proxyActivities<RolloutActivities>({
    startToCloseTimeout: ackTimeoutMs + 60_000,
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
  });

/**
 * One cluster of a wave: set its desired release, wait until its agents ack it (within the wave's
 * ackTimeout and tolerances), soak on a Temporal timer, then judge its traffic against the window
 * before the change. Every step is recorded on the rollout's stream.
 */
export async function clusterRolloutWorkflow(input: ClusterRolloutInput): Promise<ClusterOutcome> {
  const { rollout, release, wave, cluster } = input;
  // Each activity's span continues the start's trace.
  const setClusterRelease = traced(activities.setClusterRelease, input.trace);
  const recordStep = traced(activities.recordStep, input.trace);
  const judgeClusterTraffic = traced(activities.judgeClusterTraffic, input.trace);
  const waitForAcks = traced(acksFor(wave.ackTimeoutMs).waitForAcks, input.trace);
  const step = (name: string, payload: Record<string, unknown>) => recordStep({ rollout, eventId: uuid4(), step: name, payload: { wave: wave.name, cluster, ...payload } });
  await step('Rollout.ClusterStarted', {});
  const changedAt = Date.now();
  await setClusterRelease({ rollout, cluster, release, wave: wave.name, purpose: 'rollout' });
  const acks = await waitForAcks({
    cluster,
    release,
    gates: { maxApplyErrors: wave.gates.maxApplyErrors, offlineAgentsTolerated: wave.gates.offlineAgentsTolerated },
    deadline: new Date(changedAt + wave.ackTimeoutMs).toISOString(),
  });
  const counts = { acked: acks.acked, total: acks.total };
  if (!acks.done) {
    const reason = `cluster ${cluster}: ${
      acks.failedReason ??
      (acks.total === 0
        ? `no agent of cluster ${cluster} reported within ${wave.ackTimeoutMs / 1000} s`
        : `${acks.total - acks.acked} of ${acks.total} nodes did not ack within ${wave.ackTimeoutMs / 1000} s: ${acks.waiting.slice(0, 5).join(', ')}`)
    }`;
    const evidence = { failed: acks.failed, offline: acks.offline, waiting: acks.waiting };
    await step('Rollout.ClusterFailed', { reason, evidence, ...counts });
    return { cluster, ok: false, reason, evidence, ...counts };
  }
  await step('Rollout.ClusterAcked', counts);
  const soakFrom = Date.now();
  if (wave.soakMs > 0) await sleep(wave.soakMs);
  const soakTo = Date.now();
  const traffic = await judgeClusterTraffic({
    cluster,
    baseline: { from: new Date(changedAt - wave.baselineMs).toISOString(), to: new Date(changedAt).toISOString() },
    soak: { from: new Date(soakFrom).toISOString(), to: new Date(Math.max(soakTo, soakFrom + 1)).toISOString() },
    gates: { newlyDeniedFlows: wave.gates.newlyDeniedFlows, denyRateIncreasePercent: wave.gates.denyRateIncreasePercent },
  });
  if (!traffic.ok) {
    const reason = `cluster ${cluster} failed its traffic gate: ${traffic.reasons.join('; ')}`;
    const evidence = { newlyDenied: traffic.newlyDenied.slice(0, 50), denyRate: traffic.denyRate };
    await step('Rollout.ClusterFailed', { reason, evidence, ...counts });
    return { cluster, ok: false, reason, evidence, ...counts };
  }
  await step('Rollout.ClusterSucceeded', { ...counts, denyRate: traffic.denyRate });
  return { cluster, ok: true, reason: null, evidence: null, ...counts };
}
