import { randomUUID } from 'node:crypto';
import { keyOf, type Resource } from '@palisade/engine';
import { canonicalJson, ConcurrencyError, type Db, type Tx } from '@palisade/event-store';
import { event, type ChangeMeta } from '../change.js';
import { DomainError } from '../errors.js';
import { submitWrite, type Current, type Plan } from './group-commit.js';
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

export async function currentRevision(db: Db | Tx): Promise<number> {
  const [row] = await db.query<{ value: bigint }[]>`SELECT value FROM counters WHERE name = ${POLICY_SET_COUNTER}`;
  return Number(row?.value ?? 0);
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
 * revision. Resources identical to what is stored are reported unchanged. The change commits in
 * a group with the writes that arrive with it (group-commit.ts), under the revision lock from its
 * read to its commit.
 */
export async function applyResources(db: Db, inputs: unknown[] | string, meta: ChangeMeta, options: WriteOptions = {}): Promise<ChangeResult> {
  const { resources, versions } = takeResourceVersions(validateResources(inputs));
  const correlationId = meta.correlationId ?? randomUUID();
  return submitWrite(
    db,
    resources.map((r) => keyOf(r)),
    (view): Plan<ChangeResult> => {
      const pending: { id: ReturnType<typeof identity>; stored: Resource; current: Current }[] = [];
      const changes: ResourceChange[] = [];
      for (const resource of resources) {
        const id = identity(resource);
        const current = view.current(id.key);
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
      if (pending.length === 0) {
        const revision = view.revision;
        return { requests: [], finish: () => ({ revision, correlationId, changes }) };
      }
      const revision = view.nextRevision();
      const requests = pending.map(({ id, stored, current }) => ({
        streamId: resourceStream(id.key),
        expectedVersion: current.version,
        events: [event('Resource.Applied', { ...id, revision, before: current.resource, after: stored } satisfies ResourceEventPayload, meta, correlationId)],
      }));
      return {
        requests,
        finish: (positionOf) => ({ revision, correlationId, changes: changes.map((c) => (c.op === 'applied' ? { ...c, position: positionOf(resourceStream(c.key)) } : c)) }),
      };
    },
  );
}

/** Deletes resources by key ("NetworkPolicy/prod/db", "GlobalNetworkPolicy/deny-blue"), recording what they were. */
export async function deleteResources(db: Db, keys: string[], meta: ChangeMeta, options: WriteOptions = {}): Promise<ChangeResult> {
  if (keys.length === 0) throw new DomainError('NOT_FOUND', 'no resources to delete');
  const correlationId = meta.correlationId ?? randomUUID();
  return submitWrite(db, keys, (view): Plan<ChangeResult> => {
    // Taken first: a refused write gives it back (group-commit.ts).
    const revision = view.nextRevision();
    const requests = keys.map((key) => {
      const current = view.current(key);
      if (!current.resource) throw new DomainError('NOT_FOUND', `${key} does not exist${current.version ? ' (it was deleted)' : ''}`);
      options.authorize?.(null, current.resource);
      const expected = options.expectedVersions?.[key];
      if (expected !== undefined && expected !== current.version) throw new ConcurrencyError(resourceStream(key), expected, current.version);
      const payload: ResourceEventPayload = { ...identity(current.resource), revision, before: current.resource, after: null };
      return { streamId: resourceStream(key), expectedVersion: current.version, events: [event('Resource.Deleted', payload, meta, correlationId)] };
    });
    return {
      requests,
      finish: (positionOf) => ({
        revision,
        correlationId,
        changes: requests.map((r, i) => ({ key: keys[i]!, op: 'deleted' as const, version: r.expectedVersion + 1, position: positionOf(r.streamId) })),
      }),
    };
  });
}
