import { WorkflowClient, WorkflowUpdateFailedError, WorkflowNotFoundError, type Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { RolloutRefusedError, type RolloutEnginePort } from '@palisade/api';
import type { ApproveInput, ControlInput, RolloutStatus, RolloutWorkflowInput } from '@palisade/rollout';

/** The rollout workflow's id: one per rollout, so a second start of the same rollout is refused by Temporal itself. */
export const rolloutWorkflowId = (id: string) => `rollout-${id}`;

/** Starts rollout workflows and sends them updates, on the gateway's Temporal connection. */
export function temporalRollouts(connection: Connection, namespace: string, taskQueue: string): RolloutEnginePort {
  // Starting a workflow (and each update) is a span, and its context travels in the workflow's
  // headers: the rollout's workflow and activities join the trace of the request that started it.
  // With tracing off the tracer is OpenTelemetry's no-op and no header is written.
  const client = new WorkflowClient({ connection, namespace, interceptors: [new OpenTelemetryWorkflowClientInterceptor()] });
  return {
    async start(input: RolloutWorkflowInput) {
      await client.start('rolloutWorkflow', { taskQueue, workflowId: rolloutWorkflowId(input.id), args: [input] });
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
