import { randomUUID } from 'node:crypto';
import { appendInTransaction, canonicalJson, readLast, readLastOfEach, streamIdsStartingWith, type Db, type RecordedEvent } from '@palisade/event-store';
import { parsePlan, type RolloutPlan } from '@palisade/rollout';
import { event, type ChangeMeta } from './change.js';
import { DomainError, ValidationFailedError } from './errors.js';

export const rolloutPlanStream = (name: string) => `rollout-plan/${name}`;

export interface StoredPlan {
  name: string;
  plan: RolloutPlan;
  /** The plan as it was written (YAML), for people to read and edit. */
  source: string;
  version: number;
  savedBy: string;
  savedAt: Date;
}

/** Checks a plan's text: the plan, or every problem located (nothing is stored either way). */
export function checkPlan(text: string, file?: string): RolloutPlan {
  const result = parsePlan(text);
  if (result.plan) return result.plan;
  throw new ValidationFailedError(result.errors.map((e) => ({ ...(file !== undefined ? { file } : {}), index: 0, document: 0, line: e.line, column: e.column, path: e.path, message: e.message })));
}

/**
 * Stores a plan under its name, to be reused by rollouts (the first save creates it, later ones
 * change it; the same plan again records nothing). A plan that does not check records nothing.
 */
export async function savePlan(db: Db, text: string, meta: ChangeMeta, file?: string): Promise<{ name: string; version: number; changed: boolean }> {
  const plan = checkPlan(text, file);
  const name = plan.metadata.name;
  const correlationId = meta.correlationId ?? randomUUID();
  return db.transaction(async (tx) => {
    const last = await readLast(tx, rolloutPlanStream(name));
    const current = last?.type === 'RolloutPlan.Saved' ? (last.payload as { plan: RolloutPlan }).plan : undefined;
    if (current && canonicalJson(current) === canonicalJson(plan)) return { name, version: last!.version, changed: false };
    const [r] = await appendInTransaction(tx, [
      { streamId: rolloutPlanStream(name), expectedVersion: last?.version ?? 0, events: [event('RolloutPlan.Saved', { name, plan, source: text }, meta, correlationId)] },
    ]);
    return { name, version: r!.version, changed: true };
  });
}

/** Deletes a stored plan (rollouts that used it keep their copy). */
export async function deletePlan(db: Db, name: string, meta: ChangeMeta): Promise<{ version: number }> {
  const correlationId = meta.correlationId ?? randomUUID();
  return db.transaction(async (tx) => {
    const last = await readLast(tx, rolloutPlanStream(name));
    if (last?.type !== 'RolloutPlan.Saved') throw new DomainError('NOT_FOUND', `no rollout plan ${name}`);
    const [r] = await appendInTransaction(tx, [{ streamId: rolloutPlanStream(name), expectedVersion: last.version, events: [event('RolloutPlan.Deleted', { name }, meta, correlationId)] }]);
    return { version: r!.version };
  });
}

/** At most this many plans are listed (a plan is reusable: teams keep a handful). */
const MAX_PLANS = 1_000;

const stored = (e: RecordedEvent): StoredPlan => {
  const payload = e.payload as unknown as { name: string; plan: RolloutPlan; source: string };
  return { name: payload.name, plan: payload.plan, source: payload.source, version: e.version, savedBy: e.actor, savedAt: e.recordedAt };
};

/** A stored plan by name; undefined when there is none (or it was deleted). */
export async function getPlan(db: Db, name: string): Promise<StoredPlan | undefined> {
  const last = await readLast(db, rolloutPlanStream(name));
  return last?.type === 'RolloutPlan.Saved' ? stored(last) : undefined;
}

/** Every stored plan, by name. */
export async function listPlans(db: Db): Promise<StoredPlan[]> {
  const ids = await streamIdsStartingWith(db, rolloutPlanStream(''), MAX_PLANS);
  const last = await readLastOfEach(db, ids);
  return ids
    .map((id) => last.get(id))
    .filter((e): e is RecordedEvent => e?.type === 'RolloutPlan.Saved')
    .map(stored);
}
