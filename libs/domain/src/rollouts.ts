import { randomUUID } from 'node:crypto';
import { append, appendInTransaction, readLast, readLastOfEach, readStream, newestStreams, type Db, type RecordedEvent } from '@palisade/event-store';
import { assignWaves, type RolloutPlan } from '@palisade/rollout';
import { event, type ChangeMeta } from './change.js';
import { listClusters } from './clusters.js';
import { DomainError } from './errors.js';
import { resolveRelease } from './releases.js';

export const rolloutStream = (id: string) => `rollout/${id}`;
/** Who holds a cluster: one active rollout per cluster, claimed and released on this stream. */
export const clusterRolloutStream = (cluster: string) => `cluster-rollout/${cluster}`;

export type RolloutState = 'running' | 'waiting-approval' | 'paused' | 'completed' | 'failed' | 'aborted';
export type ClusterState = 'pending' | 'applying' | 'soaking' | 'succeeded' | 'failed' | 'rolled-back';

/** Steps a rollout's workflow records, in the order they happen. */
export const ROLLOUT_STEPS = [
  'Rollout.WaveStarted',
  'Rollout.WaitingApproval',
  'Rollout.Approved',
  'Rollout.Paused',
  'Rollout.Resumed',
  'Rollout.ClusterStarted',
  'Rollout.ClusterAcked',
  'Rollout.ClusterSucceeded',
  'Rollout.ClusterFailed',
  'Rollout.WaveCompleted',
  'Rollout.RollbackStarted',
  'Rollout.ClusterRolledBack',
] as const;
export type RolloutStep = (typeof ROLLOUT_STEPS)[number];
const ENDINGS = { completed: 'Rollout.Completed', failed: 'Rollout.Failed', aborted: 'Rollout.Aborted' } as const;

export interface RolloutClusterView {
  name: string;
  state: ClusterState;
  acked: number;
  total: number;
  reason: string | null;
  /** When its agents had all acked: its soak runs from here for the wave's soakTime. */
  ackedAt: Date | null;
  /** The traffic gate's deny rates (percent), once judged. */
  denyRate: { baseline: number; soak: number; increase: number } | null;
}

export interface RolloutView {
  id: string;
  release: string;
  plan: RolloutPlan;
  state: RolloutState;
  reason: string | null;
  startedBy: string;
  startedAt: Date;
  endedAt: Date | null;
  /** The release each cluster had before: what a rollback restores. */
  previous: Record<string, string | null>;
  /** What tripped a gate (offending flows, failed nodes), when the rollout failed. */
  evidence: unknown;
  waves: {
    name: string;
    state: 'pending' | 'waiting-approval' | 'running' | 'completed' | 'failed';
    approvedBy: string | null;
    clusters: RolloutClusterView[];
  }[];
  version: number;
}

/**
 * Starts a rollout: which clusters each wave takes is decided now, from the clusters registered
 * now, and recorded with the release each had (what a rollback restores). Each of them is claimed
 * in the same transaction; a cluster another rollout holds refuses the start, naming that rollout.
 */
export async function startRollout(db: Db, input: { release: string; plan: RolloutPlan }, meta: ChangeMeta): Promise<RolloutView> {
  const correlationId = meta.correlationId ?? randomUUID();
  const release = await resolveRelease(db, input.release);
  const clusters = await listClusters(db);
  const assignment = assignWaves(input.plan, clusters);
  if (assignment.unknown.length) throw new DomainError('VALIDATION_FAILED', `the plan names clusters that are not registered: ${assignment.unknown.join(', ')}`);
  const taken = assignment.waves.flatMap((w) => w.clusters);
  if (taken.length === 0) throw new DomainError('VALIDATION_FAILED', `no wave of plan ${input.plan.metadata.name} takes a cluster: check its selectors with \`palisade rollout plan dry-run\``);
  const id = randomUUID();
  const previous = Object.fromEntries(clusters.filter((c) => taken.includes(c.name)).map((c) => [c.name, c.desiredRelease]));
  await db.transaction(async (tx) => {
    const claims = await readLastOfEach(tx, taken.map(clusterRolloutStream));
    const busy = [...claims.values()].filter((e) => e.type === 'Rollout.ClusterClaimed');
    if (busy.length) {
      const first = busy[0]!.payload as { rollout: string; cluster: string };
      throw new DomainError('CONFLICT', `cluster ${first.cluster} is in rollout ${first.rollout} (started by ${busy[0]!.actor}); wait for it to end or abort it`);
    }
    await appendInTransaction(tx, [
      {
        streamId: rolloutStream(id),
        expectedVersion: 0,
        events: [event('Rollout.Started', { id, release, plan: input.plan, waves: assignment.waves, previous }, meta, correlationId)],
      },
      ...taken.map((cluster) => ({
        streamId: clusterRolloutStream(cluster),
        expectedVersion: claims.get(clusterRolloutStream(cluster))?.version ?? 0,
        events: [event('Rollout.ClusterClaimed', { rollout: id, cluster }, meta, correlationId)],
      })),
    ]);
  });
  return (await rolloutView(db, id))!;
}

/**
 * Records a step of a running rollout. `eventId` comes from the workflow, so a retried activity
 * (a worker restarted mid-step) records the step once.
 */
export async function recordRolloutStep(db: Db, id: string, step: RolloutStep, payload: Record<string, unknown>, eventId: string, meta: ChangeMeta): Promise<void> {
  const last = await readLast(db, rolloutStream(id));
  if (!last) throw new DomainError('NOT_FOUND', `no rollout ${id}`);
  await append(db, [{ streamId: rolloutStream(id), expectedVersion: 'any', events: [{ ...event(step, { ...payload, rollout: id }, meta, meta.correlationId ?? randomUUID()), id: eventId }] }]);
}

/** Ends a rollout (once: a second ending is no change) and frees its clusters for the next one. */
export async function endRollout(db: Db, id: string, outcome: keyof typeof ENDINGS, details: { reason?: string; evidence?: unknown }, eventId: string, meta: ChangeMeta): Promise<void> {
  const view = await rolloutView(db, id);
  if (!view) throw new DomainError('NOT_FOUND', `no rollout ${id}`);
  if (view.endedAt) return;
  const clusters = Object.keys(view.previous);
  await db.transaction(async (tx) => {
    const claims = await readLastOfEach(tx, clusters.map(clusterRolloutStream));
    const held = clusters.filter(
      (c) => (claims.get(clusterRolloutStream(c))?.payload as { rollout?: string } | undefined)?.rollout === id && claims.get(clusterRolloutStream(c))!.type === 'Rollout.ClusterClaimed',
    );
    const correlationId = meta.correlationId ?? randomUUID();
    await appendInTransaction(tx, [
      {
        streamId: rolloutStream(id),
        expectedVersion: 'any',
        events: [{ ...event(ENDINGS[outcome], { rollout: id, reason: details.reason ?? null, evidence: details.evidence ?? null }, meta, correlationId), id: eventId }],
      },
      ...held.map((cluster) => ({
        streamId: clusterRolloutStream(cluster),
        expectedVersion: claims.get(clusterRolloutStream(cluster))!.version,
        events: [event('Rollout.ClusterReleased', { rollout: id, cluster }, meta, correlationId)],
      })),
    ]);
  });
}

/** A rollout folded from its stream: state, waves and clusters, reason and evidence. */
export async function rolloutView(db: Db, id: string): Promise<RolloutView | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const events = await readStream(db, rolloutStream(id));
  return events.length ? foldRollout(events) : undefined;
}

/** Rollouts, newest first: only the newest `limit` streams are read and folded. */
export async function listRollouts(db: Db, limit = 100): Promise<RolloutView[]> {
  const started = await newestStreams(db, 'rollout', limit);
  const views = await Promise.all(started.map((e) => rolloutView(db, e.streamId.slice('rollout/'.length))));
  return views.filter((v): v is RolloutView => !!v);
}

export function foldRollout(events: readonly RecordedEvent[]): RolloutView {
  const started = events[0]!;
  const s = started.payload as unknown as { id: string; release: string; plan: RolloutPlan; waves: { name: string; clusters: string[] }[]; previous: Record<string, string | null> };
  const view: RolloutView = {
    id: s.id,
    release: s.release,
    plan: s.plan,
    state: 'running',
    reason: null,
    startedBy: started.actor,
    startedAt: started.recordedAt,
    endedAt: null,
    previous: s.previous,
    evidence: null,
    waves: s.waves.map((w) => ({
      name: w.name,
      state: 'pending',
      approvedBy: null,
      clusters: w.clusters.map((name) => ({ name, state: 'pending', acked: 0, total: 0, reason: null, ackedAt: null, denyRate: null })),
    })),
    version: events.at(-1)!.version,
  };
  const wave = (p: Record<string, unknown>) => view.waves.find((w) => w.name === p['wave']);
  const cluster = (p: Record<string, unknown>) => view.waves.flatMap((w) => w.clusters).find((c) => c.name === p['cluster']);
  for (const e of events.slice(1)) {
    const p = e.payload as Record<string, unknown>;
    switch (e.type) {
      case 'Rollout.WaveStarted':
        wave(p)!.state = 'running';
        break;
      case 'Rollout.WaitingApproval':
        wave(p)!.state = 'waiting-approval';
        view.state = 'waiting-approval';
        break;
      case 'Rollout.Approved':
        wave(p)!.approvedBy = e.actor;
        view.state = 'running';
        break;
      case 'Rollout.Paused':
        view.state = 'paused';
        break;
      case 'Rollout.Resumed':
        view.state = 'running';
        break;
      case 'Rollout.ClusterStarted':
        cluster(p)!.state = 'applying';
        break;
      case 'Rollout.ClusterAcked':
        Object.assign(cluster(p)!, { state: 'soaking', acked: p['acked'], total: p['total'], ackedAt: e.recordedAt });
        break;
      case 'Rollout.ClusterSucceeded':
        Object.assign(cluster(p)!, { state: 'succeeded', acked: p['acked'] ?? cluster(p)!.acked, total: p['total'] ?? cluster(p)!.total, denyRate: p['denyRate'] ?? null });
        break;
      case 'Rollout.ClusterFailed':
        Object.assign(cluster(p)!, {
          state: 'failed',
          reason: p['reason'] ?? null,
          acked: p['acked'] ?? cluster(p)!.acked,
          total: p['total'] ?? cluster(p)!.total,
          denyRate: (p['evidence'] as { denyRate?: unknown } | undefined)?.denyRate ?? null,
        });
        break;
      case 'Rollout.WaveCompleted':
        wave(p)!.state = p['failed'] ? 'failed' : 'completed';
        break;
      case 'Rollout.ClusterRolledBack':
        cluster(p)!.state = 'rolled-back';
        break;
      case 'Rollout.Completed':
      case 'Rollout.Failed':
      case 'Rollout.Aborted':
        view.state = e.type === 'Rollout.Completed' ? 'completed' : e.type === 'Rollout.Failed' ? 'failed' : 'aborted';
        view.reason = (p['reason'] as string | null) ?? null;
        view.evidence = p['evidence'] ?? null;
        view.endedAt = e.recordedAt;
        break;
    }
  }
  return view;
}
