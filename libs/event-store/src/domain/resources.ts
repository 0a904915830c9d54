import { randomUUID } from 'node:crypto';
import { decodeResource, isNamespaced, keyOf, resourceType, validateDecoded, validateDocuments, formatPath, type Resource } from '@palisade/engine';
import { appendInTransaction } from '../store/append.js';
import { canonicalJson } from '../store/canonical.js';
import { ConcurrencyError, EventStoreError } from '../store/errors.js';
import { readLastOfEach } from '../store/read.js';
import type { Db, JsonValue, NewEvent, Tx } from '../store/types.js';

/** Who is changing things, and why: recorded on every event. */
export interface ChangeMeta {
  actor: string;
  reason?: string;
  /** Ties together every event one request caused (generated when absent). */
  correlationId?: string;
}

export interface ResourceProblem {
  /** The file the input came from, when the caller named one. */
  file?: string;
  /** Position of the resource in the input (0-based). */
  index: number;
  /** The YAML document and line/column, when the input was text. */
  document?: number;
  line?: number;
  column?: number;
  path: string;
  message: string;
}

/** The input failed the engine's validation: every problem, located. Nothing was written. */
export class ValidationFailedError extends EventStoreError {
  constructor(readonly problems: ResourceProblem[]) {
    super('VALIDATION_FAILED', `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems
      .slice(0, 5)
      .map((p) => `${p.file !== undefined ? `${p.file} ` : ''}${p.line !== undefined ? `line ${p.line}:${p.column} ` : `resource ${p.index} `}${p.path ? `${p.path}: ` : ''}${p.message}`)
      .join('; ')}${problems.length > 5 ? '; ...' : ''}`);
    this.name = 'ValidationFailedError';
  }
}

export const POLICY_SET_COUNTER = 'policyset';
export const resourceStream = (key: string) => `resource/${key}`;

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

export interface ResourceEventPayload {
  key: string;
  type: string;
  namespace?: string;
  name: string;
  revision: number;
  before: Resource | null;
  after: Resource | null;
  [k: string]: unknown;
}

/** Decodes and validates with the engine; all problems of all inputs, or the typed resources. */
export function validateResources(inputs: unknown[] | string): Resource[] {
  const problems: ResourceProblem[] = [];
  const resources: Resource[] = [];
  if (typeof inputs === 'string') {
    const result = validateDocuments(inputs);
    for (const e of result.errors) problems.push({ index: -1, document: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
    result.documents.forEach((doc, index) => {
      for (const e of doc.errors) problems.push({ index, document: e.document, line: e.line, column: e.column, path: e.path, message: e.message });
      if (doc.valid && doc.resource) resources.push(doc.resource);
    });
  } else {
    inputs.forEach((raw, index) => {
      const decoded = decodeResource(raw);
      const issues = decoded.resource ? validateDecoded(decoded.resource) : decoded.issues;
      for (const issue of issues) problems.push({ index, path: formatPath(issue.path), message: issue.message });
      if (decoded.resource && issues.length === 0) resources.push(decoded.resource);
    });
  }
  if (problems.length) throw new ValidationFailedError(problems);
  const seen = new Map<string, number>();
  resources.forEach((r, index) => {
    const key = keyOf(r);
    if (seen.has(key)) problems.push({ index, path: 'metadata.name', message: `${key} is also resource ${seen.get(key)} of this input: give each resource once` });
    seen.set(key, index);
  });
  if (problems.length) throw new ValidationFailedError(problems);
  return resources;
}

async function nextRevision(tx: Tx): Promise<number> {
  // The counter row's lock also serialises policy changes: every reader after this sees one order.
  const [row] = await tx.$queryRaw<{ value: bigint }[]>`
    INSERT INTO counters (name, value) VALUES (${POLICY_SET_COUNTER}, 1)
    ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`;
  return Number(row!.value);
}

export async function currentRevision(db: Db | Tx): Promise<number> {
  const [row] = await db.$queryRaw<{ value: bigint }[]>`SELECT value FROM counters WHERE name = ${POLICY_SET_COUNTER}`;
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

function identity(resource: Resource) {
  const namespaced = isNamespaced(resource);
  return { key: keyOf(resource), type: resourceType(resource), ...(namespaced ? { namespace: resource.metadata.namespace ?? 'default' } : {}), name: resource.metadata.name };
}

/**
 * Applies resources (objects, or YAML/JSON text) as one change to the policy set: each is
 * validated with the engine first (any problem: nothing is written), then every resource that
 * differs from what is stored gets an event with its before and after, all under one new
 * revision. Resources identical to what is stored are reported unchanged.
 */
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
 * metadata.resourceVersion, as `palisade get` prints it, is the version the writer last saw: a
 * write from an older version is a conflict, not an overwrite. It is never stored.
 */
function takeResourceVersions(resources: Resource[]): { resources: Resource[]; versions: Map<string, number> } {
  const versions = new Map<string, number>();
  const problems: ResourceProblem[] = [];
  const stripped = resources.map((r, index) => {
    const rv = r.metadata.resourceVersion;
    if (rv === undefined) return r;
    if (!/^\d{1,15}$/.test(rv)) problems.push({ index, path: 'metadata.resourceVersion', message: `must be a version \`palisade get\` printed (digits), not ${JSON.stringify(rv)}; remove it to overwrite whatever is stored` });
    else versions.set(keyOf(r), Number(rv));
    const { resourceVersion: _dropped, ...metadata } = r.metadata;
    return { ...r, metadata } as Resource;
  });
  if (problems.length) throw new ValidationFailedError(problems);
  return { resources: stripped, versions };
}

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
      return await db.$transaction(
        async (tx) => {
          if (attempt > 1) await tx.$queryRaw`SELECT value FROM counters WHERE name = ${POLICY_SET_COUNTER} FOR UPDATE`;
          const pending: { id: ReturnType<typeof identity>; stored: Resource; current: Current }[] = [];
          const changes: ResourceChange[] = [];
          const currents = await currentOf(tx, resources.map((r) => keyOf(r)));
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
  if (keys.length === 0) throw new EventStoreError('NOT_FOUND', 'no resources to delete');
  const correlationId = meta.correlationId ?? randomUUID();
  return db.$transaction(async (tx) => {
    const revision = await nextRevision(tx);
    const requests = [];
    const currents = await currentOf(tx, keys);
    for (const key of keys) {
      const current = currents.get(key)!;
      if (!current.resource) throw new EventStoreError('NOT_FOUND', `${key} does not exist${current.version ? ' (it was deleted)' : ''}`);
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

export function event(type: string, payload: object, meta: ChangeMeta, correlationId: string): NewEvent {
  return { id: randomUUID(), type, payload: payload as JsonValue, actor: meta.actor, ...(meta.reason !== undefined ? { reason: meta.reason } : {}), correlationId };
}
