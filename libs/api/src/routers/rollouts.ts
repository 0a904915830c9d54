import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  checkPlan,
  deletePlan,
  endRollout,
  getPlan,
  listClusters,
  listPlans,
  listRollouts,
  rolloutStream,
  rolloutView,
  savePlan,
  startRollout,
  type RolloutView,
  type StoredPlan,
} from '@palisade/domain';
import { logHead, readStream } from '@palisade/event-store';
import { randomUUID } from 'node:crypto';
import { assignWaves, MAX_PLAN_CHARACTERS, parseDuration, workflowInput, type RolloutPlan } from '@palisade/rollout';
import { authedProcedure, requiring, router, type ApiContext } from '../trpc.js';
import type { RolloutEnginePort } from '../rollout-engine.js';
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

const ROLLOUT_ID = z.string().uuid('a rollout id (as `rollout list` shows them)');

/** A rollout as `rollout status -o json` prints it (the durable record, folded from its stream). */
function statusOf(v: RolloutView) {
  return {
    id: v.id,
    state: v.state,
    reason: v.reason,
    release: v.release,
    plan: v.plan.metadata.name,
    startedBy: v.startedBy,
    startedAt: v.startedAt.toISOString(),
    endedAt: v.endedAt?.toISOString() ?? null,
    waves: v.waves.map((w, i) => {
      const planned = v.plan.spec.waves[i];
      const soak = planned ? parseDuration(planned.soakTime) : 0;
      const soakMs = typeof soak === 'number' ? soak : 0;
      return {
        name: w.name,
        state: w.state,
        approvedBy: w.approvedBy,
        soakTime: planned?.soakTime ?? '0s',
        requireApproval: planned?.requireApproval ?? false,
        clusters: w.clusters.map((c) => ({
          name: c.name,
          state: c.state,
          acked: c.acked,
          total: c.total,
          reason: c.reason,
          // When the soak ends (the gate is judged then): the console counts down to it.
          soakEndsAt: c.ackedAt ? new Date(c.ackedAt.getTime() + soakMs).toISOString() : null,
          denyRate: c.denyRate,
        })),
      };
    }),
    evidence: v.evidence,
  };
}

function engine(ctx: ApiContext): RolloutEnginePort {
  if (!ctx.rollouts) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'this gateway has no connection to Temporal, where rollouts run' });
  return ctx.rollouts;
}

async function existing(db: Parameters<typeof rolloutView>[0], id: string): Promise<RolloutView> {
  const view = await rolloutView(db, id);
  if (!view) throw new TRPCError({ code: 'NOT_FOUND', message: `no rollout ${id}` });
  return view;
}

const control = (kind: 'pause' | 'resume' | 'abort') =>
  requiring('rollout:manage')
    .input(z.object({ id: ROLLOUT_ID, reason: REASON.optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      await existing(ctx.db, input.id);
      await engine(ctx).update(input.id, kind, { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) });
      return statusOf(await existing(ctx.db, input.id));
    });

export const rolloutsRouter = router({
  plans: plansRouter,

  /**
   * Starts a rollout of a release with a plan (stored, by name, or given as text): the waves are
   * decided and every cluster claimed now (a busy cluster refuses, naming its rollout), then the
   * workflow runs them. Security admins and admins.
   */
  start: requiring('rollout:manage')
    .input(
      z
        .object({
          release: z.string().min(1).max(64),
          plan: z.union([z.object({ name: PLAN_NAME }).strict(), z.object({ text: PLAN_TEXT, file: FILE.optional() }).strict()]),
          reason: REASON.optional(),
        })
        .strict(),
    )
    .mutation(async ({ ctx, input }) => {
      const rollouts = engine(ctx);
      const plan = 'name' in input.plan ? await planNamed(ctx.db, input.plan.name) : checkPlan(input.plan.text, input.plan.file);
      const meta = { actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) };
      const view = await startRollout(ctx.db, { release: input.release, plan }, meta);
      try {
        await rollouts.start(
          workflowInput({
            id: view.id,
            release: view.release,
            plan,
            waves: view.waves.map((w) => ({ name: w.name, clusters: w.clusters.map((c) => c.name) })),
            previous: view.previous,
            startedBy: view.startedBy,
          }),
        );
      } catch (error) {
        // Recorded but not running: end it, so its clusters are free again.
        await endRollout(ctx.db, view.id, 'failed', { reason: `the rollout workflow could not start: ${(error as Error).message}` }, randomUUID(), meta);
        throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: `rollout ${view.id} could not start on Temporal (${(error as Error).message}); nothing was changed, retry shortly`, cause: error });
      }
      return { id: view.id, waves: view.waves.map((w) => ({ name: w.name, clusters: w.clusters.map((c) => c.name) })) };
    }),

  status: authedProcedure.input(z.object({ id: ROLLOUT_ID }).strict()).query(async ({ ctx, input }) => statusOf(await existing(ctx.db, input.id))),

  /**
   * A rollout's status now, then again each time a step of it commits, until it ends: what the
   * console's live view follows (one horizon read per commit, shared by every subscriber).
   */
  watch: authedProcedure.input(z.object({ id: ROLLOUT_ID }).strict()).subscription(async function* ({ ctx, input, signal }) {
    const horizon = ctx.horizon;
    if (!horizon) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'no horizon notifier in the context' });
    let after = await logHead(ctx.db);
    let status = statusOf(await existing(ctx.db, input.id));
    yield status;
    const stream = rolloutStream(input.id);
    while (!signal?.aborted && !status.endedAt) {
      const { events, upTo } = await horizon.readAfter(after, 500);
      if (upTo <= after) {
        await horizon.waitFor(after, signal);
        if (horizon.closed) return;
        continue;
      }
      after = upTo;
      if (!events.some((e) => e.streamId === stream)) continue;
      status = statusOf(await existing(ctx.db, input.id));
      yield status;
    }
  }),

  list: authedProcedure
    .input(
      z
        .object({ limit: z.number().int().min(1).max(500).default(50) })
        .strict()
        .default({ limit: 50 }),
    )
    .query(async ({ ctx, input }) => (await listRollouts(ctx.db, input.limit)).map(statusOf)),

  /** Every step of a rollout: what happened, who did it, why, when. */
  history: authedProcedure.input(z.object({ id: ROLLOUT_ID }).strict()).query(async ({ ctx, input }) => {
    await existing(ctx.db, input.id);
    return (await readStream(ctx.db, rolloutStream(input.id))).map((e) => ({
      type: e.type,
      actor: e.actor,
      reason: e.reason,
      at: e.recordedAt.toISOString(),
      position: e.position,
      payload: e.payload,
    }));
  }),

  /**
   * Approves the wave a rollout waits for (approvers and admins; not the rollout's own starter
   * unless its plan allows it: the workflow's validator decides, and says why not).
   */
  approve: requiring('rollout:approve')
    .input(z.object({ id: ROLLOUT_ID, wave: z.string().min(1).max(63).optional(), reason: REASON.optional() }).strict())
    .mutation(async ({ ctx, input }) => {
      const view = await existing(ctx.db, input.id);
      const wave = input.wave ?? view.waves.find((w) => w.state === 'waiting-approval')?.name;
      if (!wave) throw new TRPCError({ code: 'CONFLICT', message: `rollout ${input.id} is not waiting for an approval (it is ${view.state})` });
      await engine(ctx).update(input.id, 'approve', { wave, actor: ctx.principal.actor, ...(input.reason ? { reason: input.reason } : {}) });
      return statusOf(await existing(ctx.db, input.id));
    }),

  pause: control('pause'),
  resume: control('resume'),
  /** Stops the rollout and sends every cluster it touched back to its previous release. */
  abort: control('abort'),
});
