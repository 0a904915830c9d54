import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { checkPlan, deletePlan, getPlan, listClusters, listPlans, savePlan, type StoredPlan } from '@palisade/domain';
import { assignWaves, MAX_PLAN_CHARACTERS, type RolloutPlan } from '@palisade/rollout';
import { authedProcedure, requiring, router } from '../trpc.js';
import { REASON } from './inputs.js';

const PLAN_TEXT = z.string().min(1).max(MAX_PLAN_CHARACTERS);
const PLAN_NAME = z.string().min(1).max(63);
const FILE = z.string().min(1).max(1_000);

const planView = (p: StoredPlan) => ({ name: p.name, version: p.version, savedBy: p.savedBy, savedAt: p.savedAt.toISOString(), plan: p.plan, source: p.source });

async function planNamed(db: Parameters<typeof getPlan>[0], name: string): Promise<RolloutPlan> {
  const stored = await getPlan(db, name);
  if (!stored) throw new TRPCError({ code: 'NOT_FOUND', message: `no rollout plan ${name}: save one with \`palisade rollout plan apply -f FILE\`` });
  return stored.plan;
}

const plansRouter = router({
  /** Checks a plan without storing it: the plan with its defaults, or every problem located (as a BAD_REQUEST with problems). */
  validate: authedProcedure.input(z.object({ text: PLAN_TEXT, file: FILE.optional() }).strict()).query(({ input }) => ({ plan: checkPlan(input.text, input.file) })),

  /** Stores a plan under its name, to be reused; the same plan again records nothing. */
  save: requiring('rollout:manage')
    .input(z.object({ text: PLAN_TEXT, file: FILE.optional(), reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) => savePlan(ctx.db, input.text, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) }, input.file)),

  get: authedProcedure.input(z.object({ name: PLAN_NAME }).strict()).query(async ({ ctx, input }) => {
    const stored = await getPlan(ctx.db, input.name);
    if (!stored) throw new TRPCError({ code: 'NOT_FOUND', message: `no rollout plan ${input.name}` });
    return planView(stored);
  }),

  list: authedProcedure.query(async ({ ctx }) => (await listPlans(ctx.db)).map(planView)),

  delete: requiring('rollout:manage')
    .input(z.object({ name: PLAN_NAME, reason: REASON.optional() }).strict())
    .mutation(({ ctx, input }) => deletePlan(ctx.db, input.name, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) })),

  /**
   * The dry run: which clusters each wave of a plan (given as text, or a stored one by name) would
   * take, from the clusters registered now and their labels.
   */
  dryRun: authedProcedure.input(z.union([z.object({ text: PLAN_TEXT, file: FILE.optional() }).strict(), z.object({ name: PLAN_NAME }).strict()])).query(async ({ ctx, input }) => {
    const plan = 'text' in input ? checkPlan(input.text, input.file) : await planNamed(ctx.db, input.name);
    const clusters = await listClusters(ctx.db);
    const assignment = assignWaves(plan, clusters);
    return {
      plan: plan.metadata.name,
      waves: plan.spec.waves.map((w, i) => ({
        name: w.name,
        clusters: assignment.waves[i]!.clusters,
        requireApproval: w.requireApproval,
        maxConcurrentClusters: w.maxConcurrentClusters,
        maxFailedClusters: w.maxFailedClusters,
        soakTime: w.soakTime,
        ackTimeout: w.ackTimeout,
      })),
      left: assignment.left,
      unknown: assignment.unknown,
    };
  }),
});

export const rolloutsRouter = router({
  plans: plansRouter,
});
