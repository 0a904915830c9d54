import { WorkflowClient, WorkflowUpdateFailedError, WorkflowNotFoundError, type Connection } from '@temporalio/client';
import { activeTraceparent, inSpan, SpanKind } from '@palisade/telemetry';
import { RolloutRefusedError, type RolloutEnginePort } from '@palisade/api';
import type { ApproveInput, ControlInput, RolloutStatus, RolloutWorkflowInput } from '@palisade/rollout';

/** The rollout workflow's id: one per rollout, so a second start of the same rollout is refused by Temporal itself. */
export const rolloutWorkflowId = (id: string) => `rollout-${id}`;

/** Starts rollout workflows and sends them updates, on the gateway's Temporal connection. */
export function temporalRollouts(connection: Connection, namespace: string, taskQueue: string): RolloutEnginePort {
  const client = new WorkflowClient({ connection, namespace });
  return {
    // Starting the workflow is a span, and its traceparent goes in the workflow's input: each of
    // the rollout's activities continues it, so the rollout is one trace with the request that
    // started it. With tracing off there is no traceparent and the input is as it always was.
    async start(input: RolloutWorkflowInput) {
      await inSpan('start rollout workflow', { kind: SpanKind.CLIENT, attributes: { 'palisade.rollout': input.id } }, async () => {
        const trace = activeTraceparent();
        await client.start('rolloutWorkflow', { taskQueue, workflowId: rolloutWorkflowId(input.id), args: [trace ? { ...input, trace } : input] });
      });
    },
    async update(id: string, kind: 'approve' | 'pause' | 'resume' | 'abort', input: ApproveInput | ControlInput) {
      try {
        return await client.getHandle(rolloutWorkflowId(id)).executeUpdate<RolloutStatus, [ApproveInput | ControlInput]>(kind, { args: [input] });
      } catch (error) {
        // A validator's refusal (or a workflow that has finished) is the caller's answer, not a fault.
        if (error instanceof WorkflowUpdateFailedError) throw new RolloutRefusedError((error.cause as Error | undefined)?.message ?? error.message);
        if (error instanceof WorkflowNotFoundError) throw new RolloutRefusedError(`rollout ${id} is not running`);
        throw error;
      }
    },
    async status(id: string) {
      try {
        return await client.getHandle(rolloutWorkflowId(id)).query<RolloutStatus>('status');
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }
    },
  };
}
