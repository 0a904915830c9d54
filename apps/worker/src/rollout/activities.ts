import { ApplicationFailure, Context } from '@temporalio/activity';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { contextFromTraceparent, inSpan, traceHeaders } from '@palisade/telemetry';
import { subjects } from '@palisade/bus';
import type { AckVerdict, DriveOperation, DriveReply, DriveRequest, TrafficVerdict } from '@palisade/rollout';

/** How long one request to the gateway may take before the activity fails (and Temporal retries it). */
const REQUEST_TIMEOUT_MS = 10_000;
/** How often a cluster's acks are read while waiting for them. */
const ACK_POLL_MS = 1_000;

export type AckWait = AckVerdict & { timedOut: boolean };

/**
 * The rollout's side effects, each a request to the gateway over NATS (the worker holds no
 * database credentials). Every write carries an id the workflow chose, so a retry after a worker
 * restart changes nothing twice; a request the gateway refuses for good fails without retries.
 */
export function createRolloutActivities(nats: () => NatsConnection | undefined) {
  async function drive<T>(operation: DriveOperation, request: unknown): Promise<T> {
    const nc = nats();
    if (!nc) throw new Error('the worker is not connected to NATS yet');
    // The activity's span travels with the request: the gateway's work joins it.
    const carried = Object.entries(traceHeaders());
    const h = carried.length > 0 ? headers() : undefined;
    for (const [name, value] of carried) h!.set(name, value);
    const message = await nc.request(subjects.rolloutDrive(operation), JSON.stringify(request), { timeout: REQUEST_TIMEOUT_MS, ...(h ? { headers: h } : {}) });
    const reply = JSON.parse(message.string()) as DriveReply<T>;
    if (reply.ok) return reply.result;
    if (!reply.retryable) throw ApplicationFailure.nonRetryable(reply.error, 'RolloutRequestRefused');
    throw new Error(reply.error);
  }

  /**
   * Runs an activity in its span, under the rollout's trace when the workflow passed one (the
   * start's traceparent: see RolloutWorkflowInput.trace), so the rollout is one trace.
   */
  function traced<T>(activity: string, trace: string | undefined, run: () => Promise<T>): Promise<T> {
    const info = Context.current().info;
    const attributes = { 'temporal.workflow_id': info.workflowExecution?.workflowId, 'temporal.activity': activity, 'temporal.attempt': info.attempt };
    return inSpan(`activity ${activity}`, { parent: contextFromTraceparent(trace), attributes }, run);
  }

  return {
    setClusterRelease: (request: DriveRequest<'setRelease'>, trace?: string) =>
      traced('setClusterRelease', trace, () => drive<{ changed: boolean; before: string | null; at: string }>('setRelease', request)),
    recordStep: (request: DriveRequest<'step'>, trace?: string) => traced('recordStep', trace, () => drive<object>('step', request)),
    endRollout: (request: DriveRequest<'end'>, trace?: string) => traced('endRollout', trace, () => drive<object>('end', request)),
    judgeClusterTraffic: (request: DriveRequest<'traffic'>, trace?: string) => traced('judgeClusterTraffic', trace, () => drive<TrafficVerdict>('traffic', request)),

    /**
     * Waits until every node of the cluster runs the release, a gate fails, or `deadline` (set by
     * the workflow, so a retried attempt keeps the same one) passes. Heartbeats what it sees.
     */
    waitForAcks(request: DriveRequest<'acks'> & { deadline: string }, trace?: string): Promise<AckWait> {
      const { deadline, ...acks } = request;
      const context = Context.current();
      return traced('waitForAcks', trace, async () => {
        for (;;) {
          const verdict = await drive<AckVerdict>('acks', acks);
          context.heartbeat({ acked: verdict.acked, total: verdict.total });
          if (verdict.done || verdict.failedReason) return { ...verdict, timedOut: false };
          if (Date.now() >= Date.parse(deadline)) return { ...verdict, timedOut: true };
          await context.sleep(ACK_POLL_MS);
        }
      });
    },
  };
}

export type RolloutActivities = ReturnType<typeof createRolloutActivities>;
