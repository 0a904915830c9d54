import type { ApproveInput, ControlInput, RolloutStatus, RolloutWorkflowInput } from '@palisade/rollout';

/** What the API needs from the workflow engine: start a rollout, and send it an update. */
export interface RolloutEnginePort {
  start(input: RolloutWorkflowInput): Promise<void>;
  /** An update the workflow's validator may refuse: then RolloutRefusedError, with its reason. */
  update(id: string, kind: 'approve' | 'pause' | 'resume' | 'abort', input: ApproveInput | ControlInput): Promise<RolloutStatus>;
  /** The workflow's live status; undefined when it has none (it never ran, or history is gone). */
  status(id: string): Promise<RolloutStatus | undefined>;
}

/** The rollout's workflow refused an update (a validator said why). */
export class RolloutRefusedError extends Error {
  override readonly name = 'RolloutRefusedError';
}
