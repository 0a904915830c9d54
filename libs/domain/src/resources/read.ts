import type { Change, Resource } from '@palisade/engine';
import { readCheckpoint, readLastOfEach, readRange, type Db, type Tx } from '@palisade/event-store';
import { DomainError } from '../errors.js';
import { DOMAIN_PROJECTION } from '../projection.js';
import { resourceStream, type ResourceEventPayload } from './streams.js';

/** A resource as it stands, with who changed it last and when. */
export interface StoredResource {
  key: string;
  /** Its stream's version: what a conflict-checked write names. */
  version: number;
  /** The policy-set revision of its last change. */
  revision: number;
  resource: Resource;
  updatedAt: Date;
  updatedBy: string;
}

/** One resource as it is now, read from the log (so a write is visible to the next read); NOT_FOUND when it does not exist. */
export async function getResource(db: Db, key: string): Promise<StoredResource> {
  // Only what the answer needs: the stored "before" and the event's other columns stay in PostgreSQL.
  const [last] = await db.query<{ version: number; revision: number; resource: Resource | null; recorded_at: Date; actor: string }[]>`
    SELECT version, (payload->>'revision')::int AS revision, payload->'after' AS resource, recorded_at, actor
    FROM events WHERE stream_id = ${resourceStream(key)} ORDER BY version DESC LIMIT 1`;
  if (!last?.resource) throw new DomainError('NOT_FOUND', `${key} does not exist${last ? ' (it was deleted)' : ''}`);
  return { key, version: Number(last.version), revision: Number(last.revision), resource: last.resource, updatedAt: last.recorded_at, updatedBy: last.actor };
}

/** A resource as a list returns it; `resource` is null for one deleted since the projection's last run. */
interface ResourceRow {
  key: string;
  type: string;
  namespace: string | null;
  version: number;
  revision: number;
  resource: Resource | null;
}

const toRow = (r: { key: string; type: string; namespace: string | null; version: number; revision: bigint | number; resource: Resource | null }): ResourceRow => ({
  ...r,
  version: Number(r.version),
  revision: Number(r.revision),
});

/**
 * The projection lags the log. Every read of it lays over its rows the resource changes it has
 * not applied yet: the latest event of each resource stream after its checkpoint (up to `upTo`
 * when given), read in the same snapshot as the rows.
 */
async function pendingChanges(tx: Tx, checkpoint: number, upTo?: number): Promise<ResourceRow[]> {
  const rows = await tx.query<Parameters<typeof toRow>[0][]>`
    SELECT DISTINCT ON (stream_id) payload->>'key' AS key, payload->>'type' AS type, payload->>'namespace' AS namespace, version, (payload->>'revision')::bigint AS revision, payload->'after' AS resource
    FROM events WHERE stream_type = 'resource' AND position > ${checkpoint} AND (${upTo ?? null}::bigint IS NULL OR position <= ${upTo ?? null}::bigint)
    ORDER BY stream_id, version DESC`;
  return rows.map(toRow);
}

export interface ResourceQuery {
  type?: string;
  namespace?: string;
  /** Keys after this one (the previous page's `next`). */
  after?: string;
  limit: number;
}

export interface ResourcePage {
  items: { key: string; version: number; revision: number; resource: Resource }[];
  next?: string;
}

/**
 * Resources by type and namespace, a page at a time, in key order: the projection's rows with
 * the changes it has not applied yet laid over them, so a write shows in the next list as it
 * does in the next get.
 */
export async function listResources(db: Db, query: ResourceQuery): Promise<ResourcePage> {
  const { type, namespace, after = '', limit } = query;
  return db.transaction(
    async (tx) => {
      const filter = (r: ResourceRow) => (!type || r.type === type) && (!namespace || r.namespace === namespace) && r.key > after;
      const recent = (await pendingChanges(tx, await readCheckpoint(tx, DOMAIN_PROJECTION))).filter(filter);
      const rows = (
        await tx.query<Parameters<typeof toRow>[0][]>`
          SELECT key, type, namespace, version, revision, resource FROM resources
          WHERE (${type ?? null}::text IS NULL OR type = ${type ?? null}) AND (${namespace ?? null}::text IS NULL OR namespace = ${namespace ?? null}) AND key > ${after}
          ORDER BY key LIMIT ${limit + 1}`
      ).map(toRow);
      // Past the projection's page, later keys belong to the next page.
      const bound = rows.length > limit ? rows[limit]!.key : undefined;
      const merged = new Map(rows.slice(0, limit).map((r) => [r.key, r]));
      for (const r of recent) if (bound === undefined || r.key < bound) merged.set(r.key, r);
      const live = [...merged.values()].filter((r) => r.resource !== null).sort((a, b) => (a.key < b.key ? -1 : 1));
      const items = live.slice(0, limit).map((r) => ({ key: r.key, version: r.version, revision: r.revision, resource: r.resource! }));
      const more = live.length > limit || bound !== undefined;
      // A page emptied by recent deletions still points past itself.
      const next = items.length ? items[items.length - 1]!.key : rows[limit - 1]?.key;
      return { items, ...(more && next ? { next } : {}) };
    },
    { isolationLevel: 'RepeatableRead' },
  );
}

/** The whole policy set at a log position. */
export interface PolicySet {
  resources: Resource[];
  /** Every resource change at or below this position is in `resources`, none above it. */
  position: number;
}

/**
 * The policy set as of `upTo` (a committed horizon, so nothing below it can still appear): the
 * projection's rows and the newer changes over them, read in one snapshot.
 */
export async function loadPolicySet(db: Db, upTo: number): Promise<PolicySet> {
  return db.transaction(
    async (tx) => {
      const checkpoint = await readCheckpoint(tx, DOMAIN_PROJECTION);
      const rows = await tx.query<{ key: string; resource: Resource }[]>`SELECT key, resource FROM resources ORDER BY position`;
      const byKey = new Map<string, Resource | null>(rows.map((r) => [r.key, r.resource]));
      for (const change of await pendingChanges(tx, checkpoint, upTo)) byKey.set(change.key, change.resource);
      const resources = [...byKey.values()].filter((r): r is Resource => r !== null);
      // The projection may have run past `upTo` since the caller read it: the rows are then newer.
      return { resources, position: Math.max(checkpoint, upTo) };
    },
    { isolationLevel: 'RepeatableRead', timeout: 60_000 },
  );
}

/** Resource changes in (after, upTo] as the engine applies them, a page at a time; `position` is where the next page starts. */
export async function policySetChanges(db: Db, after: number, upTo: number, limit = 1_000): Promise<{ changes: Change[]; position: number }> {
  const events = await readRange(db, after, upTo, limit);
  const changes: Change[] = [];
  for (const event of events) {
    if (event.streamType !== 'resource') continue;
    const p = event.payload as unknown as ResourceEventPayload;
    changes.push(p.after ? { upsert: p.after } : { delete: { type: p.type, name: p.name, ...(p.namespace ? { namespace: p.namespace } : {}) } });
  }
  return { changes, position: events.length === limit ? events[events.length - 1]!.position : upTo };
}

/** Who last changed a resource, when and why (the newest event of its stream). */
export interface LastChange {
  version: number;
  actor: string;
  at: Date;
  reason: string | null;
}

/**
 * The last change of each of these resources that has one, in one query (a page of the policy
 * board); with `atOrBefore`, the last change up to that log position.
 */
export async function lastChanges(db: Db, keys: string[], atOrBefore?: number): Promise<Map<string, LastChange>> {
  if (keys.length === 0) return new Map();
  const events = await readLastOfEach(db, keys.map(resourceStream), atOrBefore);
  const out = new Map<string, LastChange>();
  for (const key of keys) {
    const e = events.get(resourceStream(key));
    if (e) out.set(key, { version: e.version, actor: e.actor, at: e.recordedAt, reason: e.reason });
  }
  return out;
}
