import { z } from 'zod';
import { parseDuration } from './duration.js';

const Name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lower-case letters, digits and "-", starting and ending with a letter or digit');

/** A duration in a plan, kept as written ("5m") and checked. */
const Duration = z.string().superRefine((value, ctx) => {
  const parsed = parseDuration(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

const Count = z.number().int().min(0).max(10_000);

/** What must hold for a cluster of the wave to count as healthy after its soak. */
export const WaveGates = z
  .object({
    /** Agents that never acked (offline) tolerated per cluster; more fail the cluster. */
    offlineAgentsTolerated: Count.default(0),
    /** Agents that acked `failed` tolerated per cluster. */
    maxApplyErrors: Count.default(0),
    /** Flows allowed in the baseline window and denied in the soak window tolerated per cluster. */
    newlyDeniedFlows: Count.default(0),
    /** How much the share of denied flows may rise from the baseline to the soak window, in percentage points. */
    denyRateIncreasePercent: z.number().min(0).max(100).default(5),
    /** The window before the change that traffic in the soak is compared with. */
    baselineWindow: Duration.default('10m'),
  })
  .strict();

export const Wave = z
  .object({
    name: Name,
    /** The clusters this wave may take, in the engine's selector language over cluster labels. */
    clusterSelector: z.string().max(4_000).optional(),
    /** Or by name. With neither, the wave takes every target cluster no earlier wave took. */
    clusters: z.array(Name).min(1).max(10_000).optional(),
    /** Only this share (rounded up) of the clusters the wave could take, first by name. */
    percent: z.number().min(1).max(100).optional(),
    maxConcurrentClusters: z.number().int().min(1).max(1_000).default(1),
    /** Clusters of this wave that may fail before the rollout stops and rolls back. */
    maxFailedClusters: Count.default(0),
    /** How long every agent of a cluster has to ack the release. */
    ackTimeout: Duration.default('5m'),
    /** How long a cluster runs the release before its gates are judged. */
    soakTime: Duration.default('5m'),
    /** Wait for an approver before the wave starts. */
    requireApproval: z.boolean().default(false),
    gates: WaveGates.default(WaveGates.parse({})),
  })
  .strict();
export type Wave = z.output<typeof Wave>;

export const RolloutPlanSpec = z
  .object({
    /** The clusters the plan may touch (default: all). */
    targets: z
      .object({ clusterSelector: z.string().max(4_000).optional(), clusters: z.array(Name).min(1).max(10_000).optional() })
      .strict()
      .optional(),
    waves: z.array(Wave).min(1).max(50),
    /** Whether the person who started a rollout may approve its waves. */
    allowSelfApproval: z.boolean().default(false),
  })
  .strict();

export const RolloutPlan = z
  .object({
    apiVersion: z.literal('palisade.dev/v1'),
    kind: z.literal('RolloutPlan'),
    metadata: z.object({ name: Name, description: z.string().max(1_000).optional() }).strict(),
    spec: RolloutPlanSpec,
  })
  .strict();
export type RolloutPlan = z.output<typeof RolloutPlan>;
export type RolloutPlanInput = z.input<typeof RolloutPlan>;
