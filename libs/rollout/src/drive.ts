import { z } from 'zod';
import { parseDuration } from './duration.js';
import { WaveGates, type RolloutPlan } from './plan.js';
import type { RolloutStatus } from './status.js';

// What the rollout worker asks the gateway to do for a rollout, over NATS request/reply. The worker
// holds no database credentials: the gateway checks each request (zod) and does the write or the
// read with the rollout as the actor. Every write carries an id the workflow chose, so a retried
// activity changes nothing twice.

const Id = z.string().uuid();
const Name = z.string().min(1).max(63);
const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const At = z.string().datetime();

export const DriveRequests = {
  /** Sets a cluster's desired release (rollout or rollback). */
  setRelease: z.object({ rollout: Id, cluster: Name, release: Hash, wave: Name, purpose: z.enum(['rollout', 'rollback']) }).strict(),
  /** Where a cluster's nodes stand on a release. */
  acks: z.object({ cluster: Name, release: Hash, gates: WaveGates.pick({ maxApplyErrors: true, offlineAgentsTolerated: true }) }).strict(),
  /** The traffic gate: the soak window against the baseline window. */
  traffic: z
    .object({
      cluster: Name,
      baseline: z.object({ from: At, to: At }).strict(),
      soak: z.object({ from: At, to: At }).strict(),
      gates: WaveGates.pick({ newlyDeniedFlows: true, denyRateIncreasePercent: true }),
    })
    .strict(),
  /** A step of the rollout, recorded on its stream. */
  step: z
    .object({
      rollout: Id,
      eventId: Id,
      step: z.string().regex(/^Rollout\.[A-Za-z]+$/),
      payload: z.record(z.string(), z.unknown()),
      actor: z.string().max(300).optional(),
      reason: z.string().max(1_000).optional(),
    })
    .strict(),
  /** The rollout's end (it frees its clusters). */
  end: z
    .object({
      rollout: Id,
      eventId: Id,
      outcome: z.enum(['completed', 'failed', 'aborted']),
      reason: z.string().max(4_000).optional(),
      evidence: z.unknown().optional(),
      actor: z.string().max(300).optional(),
    })
    .strict(),
} as const;
export type DriveOperation = keyof typeof DriveRequests;
export type DriveRequest<O extends DriveOperation> = z.input<(typeof DriveRequests)[O]>;

/** A reply: the result, or what went wrong (the worker's activity fails with it, and Temporal retries). */
export type DriveReply<T> = { ok: true; result: T } | { ok: false; error: string; retryable: boolean };

/** A wave as the workflow runs it: its clusters, and every duration in milliseconds. */
export interface WorkflowWave {
  name: string;
  clusters: string[];
  maxConcurrentClusters: number;
  maxFailedClusters: number;
  ackTimeoutMs: number;
  soakMs: number;
  baselineMs: number;
  requireApproval: boolean;
  gates: { offlineAgentsTolerated: number; maxApplyErrors: number; newlyDeniedFlows: number; denyRateIncreasePercent: number };
}

/** What a rollout workflow starts from: what the gateway recorded in Rollout.Started. */
export interface RolloutWorkflowInput {
  id: string;
  release: string;
  plan: string;
  startedBy: string;
  allowSelfApproval: boolean;
  waves: WorkflowWave[];
  /** The release each cluster had before: what a rollback restores (null: it had none). */
  previous: Record<string, string | null>;
  /** History events past which the rollout continues as new at its next wave (default 8,000). */
  maxHistoryEvents?: number;
  /** Set when the rollout continued as new: the wave to go on from and what it carries. */
  resume?: { wave: number; touched: string[]; status: RolloutStatus; paused: boolean };
  /**
   * The traceparent of the workflow's start, when it was traced: each activity's span continues it,
   * so a rollout is one trace from the command to every agent. It is data in the input rather than
   * a workflow interceptor's header, because histories recorded with those interceptors did not
   * replay (see apps/worker/src/worker.ts); input data never changes the commands a workflow sends.
   */
  trace?: string;
}

const ms = (duration: string) => {
  const parsed = parseDuration(duration);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

/** The workflow's input from a started rollout (a checked plan, so its durations parse). */
export function workflowInput(rollout: {
  id: string;
  release: string;
  plan: RolloutPlan;
  waves: { name: string; clusters: string[] }[];
  previous: Record<string, string | null>;
  startedBy: string;
}): RolloutWorkflowInput {
  return {
    id: rollout.id,
    release: rollout.release,
    plan: rollout.plan.metadata.name,
    startedBy: rollout.startedBy,
    allowSelfApproval: rollout.plan.spec.allowSelfApproval,
    previous: rollout.previous,
    waves: rollout.plan.spec.waves.map((w, i) => ({
      name: w.name,
      clusters: rollout.waves[i]?.clusters ?? [],
      maxConcurrentClusters: w.maxConcurrentClusters,
      maxFailedClusters: w.maxFailedClusters,
      ackTimeoutMs: ms(w.ackTimeout),
      soakMs: ms(w.soakTime),
      baselineMs: ms(w.gates.baselineWindow),
      requireApproval: w.requireApproval,
      gates: {
        offlineAgentsTolerated: w.gates.offlineAgentsTolerated,
        maxApplyErrors: w.gates.maxApplyErrors,
        newlyDeniedFlows: w.gates.newlyDeniedFlows,
        denyRateIncreasePercent: w.gates.denyRateIncreasePercent,
      },
    })),
  };
}
