import { randomUUID } from 'node:crypto';
import { TRACEPARENT } from '@palisade/contracts';
import { appendInTransaction, canonicalJson, readLast, type Db, type Tx } from '@palisade/event-store';
import { event, type ChangeMeta } from './change.js';
import { DomainError } from './errors.js';
import { resolveRelease } from './releases.js';

export const clusterStream = (name: string) => `cluster/${name}`;

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export interface ClusterView {
  name: string;
  labels: Record<string, string>;
  desiredRelease: string | null;
  observedRelease: string | null;
  version: number;
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new DomainError('VALIDATION_FAILED', `cluster name ${JSON.stringify(name)} must be a DNS label: lower case letters, digits and dashes, at most 63`);
}

function checkLabels(labels: Record<string, string>): void {
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) throw new DomainError('VALIDATION_FAILED', `label key ${JSON.stringify(k)} is not a valid label key`);
    if (typeof v !== 'string' || v.length > 63) throw new DomainError('VALIDATION_FAILED', `label ${k}'s value must be a string of at most 63 characters`);
  }
}

async function withStream<T>(db: Db, name: string, fn: (tx: Tx, current: { version: number; view: ClusterView | undefined }) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const last = await readLast(tx, clusterStream(name));
    return fn(tx, { version: last?.version ?? 0, view: last ? await clusterView(tx, name) : undefined });
  });
}

/** Registers a cluster, or changes its labels (recording before and after); the same labels again are no change. */
export async function registerCluster(db: Db, name: string, labels: Record<string, string>, meta: ChangeMeta): Promise<{ version: number; changed: boolean }> {
  checkName(name);
  checkLabels(labels);
  const correlationId = meta.correlationId ?? randomUUID();
  return withStream(db, name, async (tx, current) => {
    if (current.view && canonicalJson(current.view.labels) === canonicalJson(labels)) return { version: current.version, changed: false };
    const e = current.view
      ? event('Cluster.LabelsChanged', { name, before: current.view.labels, after: labels }, meta, correlationId)
      : event('Cluster.Registered', { name, labels }, meta, correlationId);
    const [r] = await appendInTransaction(tx, [{ streamId: clusterStream(name), expectedVersion: current.version, events: [e] }]);
    return { version: r!.version, changed: true };
  });
}

/**
 * Records the release a cluster should run (what a rollout decides; an admin by hand for now): a
 * release by its hash or a unique prefix. Setting the release it already has records nothing.
 * `trace`, the W3C traceparent of the work that set it when tracing is on, is kept in the event:
 * the desired release reaches agents through the log, and the agents' apply joins that trace.
 */
export async function setDesiredRelease(
  db: Db,
  name: string,
  releaseName: string,
  meta: ChangeMeta,
  options: { trace?: string } = {},
): Promise<{ release: string; version: number; changed: boolean; before: string | null }> {
  if (options.trace !== undefined && !TRACEPARENT.test(options.trace)) throw new DomainError('VALIDATION_FAILED', `trace ${JSON.stringify(options.trace)} is not a W3C traceparent`);
  const correlationId = meta.correlationId ?? randomUUID();
  return withStream(db, name, async (tx, current) => {
    if (!current.view) throw new DomainError('NOT_FOUND', `no cluster ${name}: register it first`);
    const release = await resolveRelease(tx, releaseName);
    const before = current.view.desiredRelease;
    if (before === release) return { release, version: current.version, changed: false, before };
    const [r] = await appendInTransaction(tx, [
      {
        streamId: clusterStream(name),
        expectedVersion: current.version,
        events: [event('Cluster.DesiredReleaseSet', { name, release, before, ...(options.trace ? { trace: options.trace } : {}) }, meta, correlationId)],
      },
    ]);
    return { release, version: r!.version, changed: true, before };
  });
}

/** Records the release a cluster reports it runs; the release it already reports records nothing. */
export async function reportObservedRelease(db: Db, name: string, release: string, meta: ChangeMeta): Promise<number> {
  const correlationId = meta.correlationId ?? randomUUID();
  return withStream(db, name, async (tx, current) => {
    if (!current.view) throw new DomainError('NOT_FOUND', `no cluster ${name}: register it first`);
    if (current.view.observedRelease === release) return current.version;
    const [r] = await appendInTransaction(tx, [
      {
        streamId: clusterStream(name),
        expectedVersion: current.version,
        events: [event('Cluster.ObservedReleaseReported', { name, release, before: current.view.observedRelease }, meta, correlationId)],
      },
    ]);
    return r!.version;
  });
}

/** A cluster folded from its stream (authoritative; the clusters projection is for listing). */
export async function clusterView(db: Db | Tx, name: string): Promise<ClusterView | undefined> {
  const rows = await db.query<{ type: string; payload: Record<string, unknown>; version: number }[]>`
    SELECT type, payload, version FROM events WHERE stream_id = ${clusterStream(name)} ORDER BY version`;
  if (rows.length === 0) return undefined;
  const view: ClusterView = { name, labels: {}, desiredRelease: null, observedRelease: null, version: 0 };
  for (const row of rows) applyClusterEvent(view, row.type, row.payload);
  view.version = Number(rows[rows.length - 1]!.version);
  return view;
}

/** A cluster as the clusters projection lists it. */
export interface ClusterSummary {
  name: string;
  labels: Record<string, string>;
  desiredRelease: string | null;
  observedRelease: string | null;
  observedAt: Date | null;
  updatedAt: Date;
}

/** Every cluster, by name, from the projection (a registration shows once the projection has run). */
export async function listClusters(db: Db): Promise<ClusterSummary[]> {
  const rows = await db.query<{ name: string; labels: Record<string, string>; desired_release: string | null; observed_release: string | null; observed_at: Date | null; updated_at: Date }[]>`
    SELECT name, labels, desired_release, observed_release, observed_at, updated_at FROM clusters ORDER BY name`;
  return rows.map((r) => ({ name: r.name, labels: r.labels, desiredRelease: r.desired_release, observedRelease: r.observed_release, observedAt: r.observed_at, updatedAt: r.updated_at }));
}

export function applyClusterEvent(view: Omit<ClusterView, 'version'>, type: string, payload: Record<string, unknown>): void {
  switch (type) {
    case 'Cluster.Registered':
      view.labels = payload['labels'] as Record<string, string>;
      break;
    case 'Cluster.LabelsChanged':
      view.labels = payload['after'] as Record<string, string>;
      break;
    case 'Cluster.DesiredReleaseSet':
      view.desiredRelease = payload['release'] as string;
      break;
    case 'Cluster.ObservedReleaseReported':
      view.observedRelease = payload['release'] as string;
      break;
  }
}

/** A desired release as the log recorded it. */
export interface DesiredReleaseChange {
  cluster: string;
  release: string;
  /** The cluster stream's version after the change. */
  version: number;
  position: number;
  at: Date;
  /** The traceparent recorded with it, if it was set while tracing. */
  trace?: string;
}

/**
 * Desired releases set after log position `after` up to `upTo` (a final position: nothing at or
 * below it can still commit), in log order: what the platform publishes to agents, read from the
 * log itself so no projection's lag can hold a rollout back.
 */
export async function desiredReleaseChanges(db: Db, after: number, upTo: number): Promise<DesiredReleaseChange[]> {
  const rows = await db.query<{ stream_id: string; payload: { name: string; release: string; trace?: string }; version: number; position: bigint; recorded_at: Date }[]>`
    SELECT stream_id, payload, version, position, recorded_at FROM events
    WHERE stream_type = 'cluster' AND position > ${after} AND position <= ${upTo} AND type = 'Cluster.DesiredReleaseSet'
    ORDER BY position`;
  return rows.map((r) => ({
    cluster: r.payload.name,
    release: r.payload.release,
    version: Number(r.version),
    position: Number(r.position),
    at: r.recorded_at,
    ...(typeof r.payload.trace === 'string' && TRACEPARENT.test(r.payload.trace) ? { trace: r.payload.trace } : {}),
  }));
}
