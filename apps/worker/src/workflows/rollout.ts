import {
  allHandlersFinished,
  CancellationScope,
  ContinueAsNew,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { RolloutActivities } from '../rollout/activities.js';
import { clusterRolloutWorkflow, type ClusterOutcome } from './cluster-rollout.js';
import { traced } from './traced.js';
import type { ApproveInput, ClusterRunState, ControlInput, RolloutStatus, RolloutWorkflowInput } from '@palisade/rollout';

const activities = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const rollbackAcks = proxyActivities<RolloutActivities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '20 seconds', retry: { maximumInterval: '10 seconds' } });

export const statusQuery = defineQuery<RolloutStatus>('status');
/** Past this many history events a rollout continues as new at its next wave (Temporal warns at 10,240). */
const MAX_HISTORY_EVENTS = 8_000;
export const approveUpdate = defineUpdate<RolloutStatus, [ApproveInput]>('approve');
export const pauseUpdate = defineUpdate<RolloutStatus, [ControlInput]>('pause');
export const resumeUpdate = defineUpdate<RolloutStatus, [ControlInput]>('resume');
export const abortUpdate = defineUpdate<RolloutStatus, [ControlInput]>('abort');

/**
 * A rollout: waves in order, each waiting for an approver when the plan says so; within a wave,
 * a child workflow per cluster (at most maxConcurrentClusters at once). More failed clusters
 * than the wave tolerates, or an abort, sends every touched cluster back to its previous release
 * (verified by acks) and ends the rollout failed or aborted, with the reason and the evidence.
 * Approve, pause, resume and abort are updates whose validators say at once why one is refused.
 */
export async function rolloutWorkflow(input: RolloutWorkflowInput): Promise<RolloutStatus> {
  const status: RolloutStatus = input.resume?.status ?? {
    id: input.id,
    state: 'running',
    reason: null,
    release: input.release,
    plan: input.plan,
    evidence: null,
    waves: input.waves.map((w) => ({ name: w.name, state: 'pending', clusters: w.clusters.map((name) => ({ name, state: 'pending', acked: 0, total: 0, reason: null })) })),
  };
  const approved = new Set<string>();
  let paused = input.resume?.paused ?? false;
  let abort: ControlInput | undefined;
  let waiting: string | undefined;
  let current: CancellationScope | undefined;
  const touched: string[] = [...(input.resume?.touched ?? [])];
  // Each activity's span continues the start's trace.
  const setClusterRelease = traced(activities.setClusterRelease, input.trace);
  const recordStep = traced(activities.recordStep, input.trace);
  const endRollout = traced(activities.endRollout, input.trace);
  const waitForRollbackAcks = traced(rollbackAcks.waitForAcks, input.trace);
  const step = (name: string, payload: Record<string, unknown>, by?: { actor: string; reason?: string | undefined }) =>
    recordStep({ rollout: input.id, eventId: uuid4(), step: name, payload, ...(by ? { actor: by.actor, ...(by.reason ? { reason: by.reason } : {}) } : {}) });
  const clusterStatus = (name: string) => status.waves.flatMap((w) => w.clusters).find((c) => c.name === name)!;
  const ended = () => ['completed', 'failed', 'aborted'].includes(status.state);
  const refuseIfEnded = () => {
    if (ended()) refuse(`rollout ${input.id} has ended (${status.state})`);
  };

  setHandler(statusQuery, () => status);
  setHandler(
    approveUpdate,
    async (a) => {
      approved.add(a.wave);
      await step('Rollout.Approved', { wave: a.wave }, a);
      return status;
    },
    {
      validator: (a) => {
        refuseIfEnded();
        if (waiting !== a.wave) throw new Error(waiting ? `rollout ${input.id} is waiting for approval of wave ${waiting}, not ${a.wave}` : `rollout ${input.id} is not waiting for an approval`);
        if (!input.allowSelfApproval && a.actor === input.startedBy) throw new Error(`${a.actor} started rollout ${input.id} and may not approve it (the plan does not allow self-approval)`);
      },
    },
  );
  setHandler(
    pauseUpdate,
    async (c) => {
      paused = true;
      status.state = 'paused';
      await step('Rollout.Paused', {}, c);
      return status;
    },
    {
      validator: (_control: ControlInput): void => {
        refuseIfEnded();
        if (paused) refuse(`rollout ${input.id} is paused already`);
      },
    },
  );
  setHandler(
    resumeUpdate,
    async (c) => {
      paused = false;
      status.state = waiting ? 'waiting-approval' : 'running';
      await step('Rollout.Resumed', {}, c);
      return status;
    },
    {
      validator: (_control: ControlInput): void => {
        refuseIfEnded();
        if (!paused) refuse(`rollout ${input.id} is not paused`);
      },
    },
  );
  setHandler(
    abortUpdate,
    async (c) => {
      abort = c;
      current?.cancel();
      return status;
    },
    {
      validator: (_control: ControlInput): void => {
        refuseIfEnded();
        if (abort) refuse(`rollout ${input.id} is being aborted already`);
      },
    },
  );

  try {
    let failure: { reason: string; evidence: unknown } | undefined;
    for (const [index, wave] of input.waves.entries()) {
      if (index < (input.resume?.wave ?? 0)) continue;
      if (abort || failure) break;
      // A long rollout starts a fresh history between waves (nothing is in flight then), carrying
      // where it is, so it stays well inside Temporal's history limits.
      if (index > (input.resume?.wave ?? 0) && (workflowInfo().historyLength > (input.maxHistoryEvents ?? MAX_HISTORY_EVENTS) || workflowInfo().continueAsNewSuggested)) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof rolloutWorkflow>({ ...input, resume: { wave: index, touched, status, paused } });
      }
      const waveStatus = status.waves[index]!;
      if (wave.requireApproval) {
        waiting = wave.name;
        waveStatus.state = 'waiting-approval';
        if (!paused) status.state = 'waiting-approval';
        await step('Rollout.WaitingApproval', { wave: wave.name });
        await condition(() => approved.has(wave.name) || !!abort);
        waiting = undefined;
        if (abort) break;
        if (!paused) status.state = 'running';
      }
      waveStatus.state = 'running';
      await step('Rollout.WaveStarted', { wave: wave.name, clusters: wave.clusters });
      const queue = [...wave.clusters];
      const failed: ClusterOutcome[] = [];
      current = new CancellationScope();
      const runner = async () => {
        while (queue.length && !abort && failed.length <= wave.maxFailedClusters) {
          await condition(() => !paused || !!abort);
          if (abort) return;
          const cluster = queue.shift()!;
          touched.push(cluster);
          clusterStatus(cluster).state = 'applying';
          let outcome: ClusterOutcome;
          try {
            outcome = await executeChild(clusterRolloutWorkflow, {
              workflowId: `${workflowInfo().workflowId}/${cluster}`,
              args: [{ rollout: input.id, release: input.release, wave, cluster, ...(input.trace ? { trace: input.trace } : {}) }],
            });
          } catch (error) {
            if (isCancellation(error)) throw error;
            // A step that failed for good (a request the gateway refused) fails the cluster, not the rollout's bookkeeping.
            const reason = `cluster ${cluster}: ${causeOf(error)}`;
            await step('Rollout.ClusterFailed', { wave: wave.name, cluster, reason });
            outcome = { cluster, ok: false, reason, acked: 0, total: 0, evidence: null };
          }
          Object.assign(clusterStatus(cluster), { state: outcome.ok ? 'succeeded' : 'failed', acked: outcome.acked, total: outcome.total, reason: outcome.reason } satisfies Partial<
            RolloutStatus['waves'][number]['clusters'][number]
          >);
          if (!outcome.ok) failed.push(outcome);
        }
      };
      try {
        await current.run(() => Promise.all(Array.from({ length: Math.min(wave.maxConcurrentClusters, Math.max(1, wave.clusters.length)) }, runner)));
      } catch (error) {
        if (!isCancellation(error)) throw error;
      }
      current = undefined;
      const tooMany = failed.length > wave.maxFailedClusters;
      waveStatus.state = tooMany || abort ? 'failed' : 'completed';
      await step('Rollout.WaveCompleted', { wave: wave.name, failed: tooMany || !!abort, failedClusters: failed.map((f) => f.cluster) });
      if (tooMany)
        failure = {
          reason: `wave ${wave.name}: ${failed.length} cluster${failed.length === 1 ? '' : 's'} failed (at most ${wave.maxFailedClusters} tolerated): ${failed.map((f) => f.reason).join('; ')}`,
          evidence: Object.fromEntries(failed.map((f) => [f.cluster, f.evidence])),
        };
    }

    if (abort || failure) {
      await rollBack(touched, abort ? `aborted by ${abort.actor}${abort.reason ? `: ${abort.reason}` : ''}` : failure!.reason);
      status.state = abort ? 'aborted' : 'failed';
      status.reason = abort ? `aborted by ${abort.actor}${abort.reason ? `: ${abort.reason}` : ''}` : failure!.reason;
      status.evidence = failure?.evidence ?? null;
      await endRollout({ rollout: input.id, eventId: uuid4(), outcome: abort ? 'aborted' : 'failed', reason: status.reason, evidence: status.evidence, ...(abort ? { actor: abort.actor } : {}) });
    } else {
      status.state = 'completed';
      await endRollout({ rollout: input.id, eventId: uuid4(), outcome: 'completed' });
    }
  } catch (error) {
    // Continuing as new is how a long rollout goes on, not a failure.
    if (ended() || error instanceof ContinueAsNew) throw error;
    // Something failed for good (a request the gateway refused): the rollout must not hold its
    // clusters forever. Roll back what it touched and end it failed, with the reason.
    const reason = `the rollout stopped on an error: ${causeOf(error)}`;
    await rollBack(touched, reason).catch(() => undefined);
    status.state = 'failed';
    status.reason = reason;
    await endRollout({ rollout: input.id, eventId: uuid4(), outcome: 'failed', reason });
  }
  await condition(allHandlersFinished);
  return status;

  /** Every touched cluster back to its previous release, in parallel, verified by acks. */
  async function rollBack(clusters: string[], why: string): Promise<void> {
    if (!clusters.length) return;
    await step('Rollout.RollbackStarted', { clusters, reason: why });
    // Non-cancellable: an abort must not stop its own rollback halfway.
    await CancellationScope.nonCancellable(() =>
      Promise.all(
        clusters.map(async (cluster) => {
          const previous = input.previous[cluster];
          const wave = input.waves.find((w) => w.clusters.includes(cluster))!;
          if (!previous) {
            await step('Rollout.ClusterRolledBack', { cluster, wave: wave.name, verified: false, note: 'it had no release before this rollout: it keeps the new one until another is set' });
            return;
          }
          await setClusterRelease({ rollout: input.id, cluster, release: previous, wave: wave.name, purpose: 'rollback' });
          const acks = await waitForRollbackAcks({
            cluster,
            release: previous,
            gates: { maxApplyErrors: wave.gates.maxApplyErrors, offlineAgentsTolerated: wave.gates.offlineAgentsTolerated },
            deadline: new Date(Date.now() + wave.ackTimeoutMs).toISOString(),
          });
          const state: ClusterRunState = 'rolled-back';
          clusterStatus(cluster).state = state;
          await step('Rollout.ClusterRolledBack', { cluster, wave: wave.name, release: previous, verified: acks.done, acked: acks.acked, total: acks.total });
        }),
      ),
    );
  }
}

/** The innermost message of a failure chain (child workflow -> activity -> the gateway's refusal). */
function causeOf(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(error);
}

function refuse(message: string): never {
  throw new Error(message);
}
