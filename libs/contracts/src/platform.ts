/** Temporal task queues, shared by the worker that polls them and the clients that start work. */
export const TASK_QUEUES = {
  /** Release and rollout workflows. */
  rollouts: 'palisade-rollouts',
} as const;

/** Workflow type names, so clients never import workflow code. */
export const WORKFLOW_TYPES = {
  /** End-to-end check that a worker executes workflows and activities. */
  platformProbe: 'platformProbe',
} as const;

export interface PlatformProbeResult {
  workerIdentity: string;
  workerVersion: string;
  /** ISO time the activity ran on the worker. */
  ranAt: string;
  echo: string;
}
