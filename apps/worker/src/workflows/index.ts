// Workflow code runs in Temporal's deterministic sandbox: no I/O, no clocks, no Node modules here.
// Everything with side effects happens in activities.
import { proxyActivities } from '@temporalio/workflow';
import type { PlatformProbeResult } from '@palisade/contracts';
import type { Activities } from '../activities.js';

export { rolloutWorkflow, statusQuery, approveUpdate, pauseUpdate, resumeUpdate, abortUpdate } from './rollout.js';
export { clusterRolloutWorkflow } from './cluster-rollout.js';

const { describeWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * Proves the whole path works: a client starts a workflow, a worker runs it, the workflow calls
 * an activity, and the result comes back. `palisade status` and the tests run it.
 */
export async function platformProbe(echo: string): Promise<PlatformProbeResult> {
  return describeWorker(echo);
}
