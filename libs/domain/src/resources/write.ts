import { randomUUID } from 'node:crypto';
import { keyOf, type Resource } from '@palisade/engine';
import { appendInTransaction, canonicalJson, ConcurrencyError, readLastOfEach, type Db, type Tx } from '@palisade/event-store';
import { event, type ChangeMeta } from '../change.js';
import { DomainError } from '../errors.js';
import { identity, POLICY_SET_COUNTER, resourceStream, type ResourceEventPayload } from './streams.js';
import { takeResourceVersions, validateResources } from './validate.js';

export interface ResourceChange {
  key: string;
  op: 'applied' | 'deleted' | 'unchanged';
  /** Stream version after the change. */
  version: number;
  position?: number;
}

export interface ChangeResult {
  /** The policy-set revision this change made (the current one when nothing changed). */
  revision: number;
  correlationId: string;
  changes: ResourceChange[];
}

async function nextRevision(tx: Tx): Promise<number> {
  // The counter row's lock also serialises policy changes: every reader after this sees one order.
  const [row] = await tx.query<{ value: bigint }[]>`
    INSERT INTO counters (name, value) VALUES (${POLICY_SET_COUNTER}, 1)
    ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`;
  return Number(row!.value);
}

export async function currentRevision(db: Db | Tx): Promise<number> {
  const [row] = await db.query<{ value: bigint }[]>`SELECT value FROM counters WHERE name = ${POLICY_SET_COUNTER}`;
  return Number(row?.value ?? 0);
}

interface Current {
  version: number;
  resource: Resource | null;
}

/** Each resource's stream version and current content, in one query. */
async function currentOf(tx: Tx, keys: string[]): Promise<Map<string, Current>> {
  const last = await readLastOfEach(tx, keys.map(resourceStream));
  return new Map(
    keys.map((key) => {
      const event = last.get(resourceStream(key));
      return [key, event ? { version: event.version, resource: (event.payload as unknown as ResourceEventPayload).after } : { version: 0, resource: null }];
    }),
  );
}

export interface WriteOptions {
  /** Per resource key: the stream version the writer last saw (a stale write is a ConcurrencyError). */
  expectedVersions?: Record<string, number>;
  /**
   * Called inside the transaction with each resource as it will be and as it is stored, so the
   * check sees exactly what is changed (no window between check and write); throw to refuse.
   */
  authorize?: (after: Resource | null, before: Resource | null) => void;
}

/**
 * Applies resources (objects, or YAML/JSON text) as one change to the policy set: each is
 * validated with the engine first (any problem: nothing is written), then every resource that
 * differs from what is stored gets an event with its before and after, all under one new
 * revision. Resources identical to what is stored are reported unchanged.
 */
export async function applyResources(db: Db, inputs: unknown[] | string, meta: ChangeMeta, options: WriteOptions = {}): Promise<ChangeResult> {
  const { resources, versions } = takeResourceVersions(validateResources(inputs));
  const correlationId = meta.correlationId ?? randomUUID();
  // Reads, checks and authorization run before the revision lock, so concurrent changes queue only
  // for the revision and the insert. A resource changed between the read and the lock makes the
  // append's version check fail: the change is then redone from a fresh read, this time under the
  // lock from the start, so a writer cannot lose the race twice (and a caller who named the
  // version they saw gets the conflict).
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(
        async (tx) => {
          if (attempt > 1) await tx.query`SELECT value FROM counters WHERE name = ${POLICY_SET_COUNTER} FOR UPDATE`;
          const pending: { id: ReturnType<typeof identity>; stored: Resource; current: Current }[] = [];
          const changes: ResourceChange[] = [];
          const currents = await currentOf(
            tx,
            resources.map((r) => keyOf(r)),
          );
          for (const resource of resources) {
            const id = identity(resource);
            const current = currents.get(id.key)!;
            options.authorize?.(resource, current.resource);
            const expected = options.expectedVersions?.[id.key] ?? versions.get(id.key);
            if (expected !== undefined && expected !== current.version) throw new ConcurrencyError(resourceStream(id.key), expected, current.version);
            const stored = JSON.parse(canonicalJson(resource)) as Resource;
            if (current.resource && canonicalJson(current.resource) === canonicalJson(stored)) {
              changes.push({ key: id.key, op: 'unchanged', version: current.version });
              continue;
            }
            pending.push({ id, stored, current });
            changes.push({ key: id.key, op: 'applied', version: current.version + 1 });
          }
          // Nothing changed: no revision is spent.
          if (pending.length === 0) return { revision: await currentRevision(tx), correlationId, changes };
          const revision = await nextRevision(tx);
          const requests = pending.map(({ id, stored, current }) => ({
            streamId: resourceStream(id.key),
            expectedVersion: current.version,
            events: [event('Resource.Applied', { ...id, revision, before: current.resource, after: stored } satisfies ResourceEventPayload, meta, correlationId)],
          }));
          const results = await appendInTransaction(tx, requests).catch((error: unknown) => {
            throw error instanceof ConcurrencyError ? new StaleRead(error) : error;
          });
          const positions = new Map(results.map((r) => [r.streamId, r.positions[0]]));
          return { revision, correlationId, changes: changes.map((c) => (c.op === 'applied' ? { ...c, position: positions.get(resourceStream(c.key))! } : c)) };
        },
        { timeout: 60_000 },
      );
    } catch (error) {
      if (!(error instanceof StaleRead)) throw error;
      if (attempt >= 5) throw error.conflict;
    }
  }
}

/** What was read changed before the revision lock was taken: redo the change from a fresh read. */
class StaleRead extends Error {
  constructor(readonly conflict: ConcurrencyError) {
    super(conflict.message);
  }
}

/** Deletes resources by key ("NetworkPolicy/prod/db", "GlobalNetworkPolicy/deny-blue"), recording what they were. */
export async function deleteResources(db: Db, keys: string[], meta: ChangeMeta, options: WriteOptions = {}): Promise<ChangeResult> {
  if (keys.length === 0) throw new DomainError('NOT_FOUND', 'no resources to delete');
  const correlationId = meta.correlationId ?? randomUUID();
  return db.transaction(async (tx) => {
    const revision = await nextRevision(tx);
    const requests = [];
    const currents = await currentOf(tx, keys);
    for (const key of keys) {
      const current = currents.get(key)!;
      if (!current.resource) throw new DomainError('NOT_FOUND', `${key} does not exist${current.version ? ' (it was deleted)' : ''}`);
      options.authorize?.(null, current.resource);
      const expected = options.expectedVersions?.[key];
      if (expected !== undefined && expected !== current.version) throw new ConcurrencyError(resourceStream(key), expected, current.version);
      const id = identity(current.resource);
      const payload: ResourceEventPayload = { ...id, revision, before: current.resource, after: null };
      requests.push({ streamId: resourceStream(key), expectedVersion: current.version, events: [event('Resource.Deleted', payload, meta, correlationId)] });
    }
    const results = await appendInTransaction(tx, requests);
    return { revision, correlationId, changes: results.map((r, i) => ({ key: keys[i]!, op: 'deleted' as const, version: r.version, position: r.positions[0]! })) };
  });
}
