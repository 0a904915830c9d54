import { randomUUID } from 'node:crypto';
import type { Resource } from '@palisade/engine';
import { appendInTransaction, canonicalJson, readLast, sha256Hex, streamIdsStartingWith, type Db, type Tx } from '@palisade/event-store';
import { event, type ChangeMeta } from './change.js';
import { diffResourceSets, type ResourceSetDiff } from './diff.js';
import { DomainError } from './errors.js';
import { POLICY_SET_COUNTER, type ResourceEventPayload } from './resources/streams.js';

export const releaseStream = (hash: string) => `release/${hash}`;

/** A release's content: every resource of the policy set, by key, as it was at the revision. */
export interface ReleaseContent {
  revision: number;
  resources: { key: string; resource: Resource }[];
}

export interface ReleaseInfo {
  /** SHA-256 of the canonical content: the release's identity. */
  hash: string;
  revision: number;
  resourceCount: number;
  /** False when an identical release existed already (same content, same hash). */
  created: boolean;
  position?: number;
}

/** The hash covers the resources only, so the same policy set is the same release whatever revision it was taken at. */
export function releaseHash(resources: ReleaseContent['resources']): string {
  return sha256Hex(canonicalJson(resources));
}

/** Every resource as it stands, read from the log (not a projection, which may lag). */
async function currentResources(tx: Tx): Promise<ReleaseContent['resources']> {
  const rows = await tx.query<{ stream_id: string; payload: ResourceEventPayload }[]>`
    SELECT DISTINCT ON (stream_id) stream_id, payload FROM events WHERE stream_type = 'resource' ORDER BY stream_id, version DESC`;
  return rows
    .filter((r) => r.payload.after !== null)
    .map((r) => ({ key: r.payload.key, resource: r.payload.after! }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Takes an immutable, content-addressed snapshot of the whole policy set at the current
 * revision. Taking one of a policy set that already has a release returns that release.
 */
export async function createRelease(db: Db, meta: ChangeMeta): Promise<ReleaseInfo> {
  const correlationId = meta.correlationId ?? randomUUID();
  return db.transaction(
    async (tx) => {
      // A share lock on the revision counter: no policy change commits while the snapshot is read.
      const [counter] = await tx.query<{ value: bigint }[]>`SELECT value FROM counters WHERE name = ${POLICY_SET_COUNTER} FOR SHARE`;
      const revision = Number(counter?.value ?? 0);
      const resources = await currentResources(tx);
      const hash = releaseHash(resources);
      const existing = await readLast(tx, releaseStream(hash));
      if (existing) {
        const p = existing.payload as { revision: number; resourceCount: number };
        return { hash, revision: p.revision, resourceCount: p.resourceCount, created: false };
      }
      const content: ReleaseContent = { revision, resources };
      await tx.execute`INSERT INTO blobs (hash, content) VALUES (${hash}, ${canonicalJson(content)}::jsonb) ON CONFLICT (hash) DO NOTHING`;
      const [result] = await appendInTransaction(tx, [
        { streamId: releaseStream(hash), expectedVersion: 0, events: [event('Release.Created', { hash, revision, resourceCount: resources.length }, meta, correlationId)] },
      ]);
      return { hash, revision, resourceCount: resources.length, created: true, position: result!.positions[0]! };
    },
    { timeout: 60_000 },
  );
}

/**
 * A release named by its hash or a unique prefix of it (at least 4 hex digits), as people copy
 * them from `release list`: the full hash, or a sentence saying why not (unknown, ambiguous).
 */
export async function resolveRelease(db: Db | Tx, text: string): Promise<string> {
  const prefix = text.trim().toLowerCase();
  if (!/^[0-9a-f]{4,64}$/.test(prefix)) throw new DomainError('VALIDATION_FAILED', `${JSON.stringify(text)} is not a release: give its hash or a unique prefix of it (at least 4 hex digits)`);
  // A release just made may not be in the read model yet: its stream is the truth for a full hash.
  if (prefix.length === 64 && (await readLast(db, releaseStream(prefix)))) return prefix;
  let rows = await db.query<{ hash: string }[]>`SELECT hash FROM releases WHERE hash LIKE ${`${prefix}%`} ORDER BY hash LIMIT 4`;
  // Made a moment ago, not projected yet: the log has it.
  if (rows.length === 0) rows = (await streamIdsStartingWith(db, releaseStream(prefix), 4)).map((id) => ({ hash: id.slice(releaseStream('').length) }));
  if (rows.length === 0) throw new DomainError('NOT_FOUND', `no release ${prefix.length === 64 ? 'has hash' : 'starts with'} ${prefix}`);
  if (rows.length > 1)
    throw new DomainError(
      'VALIDATION_FAILED',
      `${prefix} is the start of ${rows.length === 4 ? 'several' : rows.length} releases (${rows.map((r) => r.hash.slice(0, prefix.length + 4)).join(', ')}${rows.length === 4 ? ', …' : ''}): give more digits`,
    );
  return rows[0]!.hash;
}

/** A release's resources; checks the stored content still hashes to the release's name. */
export async function releaseContent(db: Db | Tx, hash: string): Promise<ReleaseContent> {
  const [row] = await db.query<{ content: ReleaseContent }[]>`SELECT content FROM blobs WHERE hash = ${hash}`;
  if (!row) throw new DomainError('NOT_FOUND', `no release ${hash}`);
  if (releaseHash(row.content.resources) !== hash) throw new DomainError('NOT_FOUND', `release ${hash}'s stored content does not match its hash: it was altered`);
  return row.content;
}

/** A release as the releases projection lists it. */
export interface ReleaseSummary {
  hash: string;
  revision: number;
  resourceCount: number;
  actor: string;
  reason: string | null;
  position: number;
  createdAt: Date;
}

/** Releases, newest first, a page at a time: `next` is the `before` of the next page. */
export async function listReleases(db: Db, page: { before?: number; limit: number }): Promise<{ releases: ReleaseSummary[]; next?: number }> {
  const rows = await db.query<{ hash: string; revision: bigint; resource_count: number; actor: string; reason: string | null; position: bigint; created_at: Date }[]>`
    SELECT hash, revision, resource_count, actor, reason, position, created_at FROM releases
    WHERE (${page.before ?? null}::bigint IS NULL OR position < ${page.before ?? null}::bigint) ORDER BY position DESC LIMIT ${page.limit + 1}`;
  const releases = rows
    .slice(0, page.limit)
    .map((r) => ({ hash: r.hash, revision: Number(r.revision), resourceCount: r.resource_count, actor: r.actor, reason: r.reason, position: Number(r.position), createdAt: r.created_at }));
  return { releases, ...(rows.length > page.limit ? { next: releases[releases.length - 1]!.position } : {}) };
}

/** What changes from release `from` to release `to`. */
export async function diffReleases(db: Db, from: string, to: string): Promise<ResourceSetDiff> {
  const [a, b] = await Promise.all([releaseContent(db, from), releaseContent(db, to)]);
  return diffResourceSets(new Map(a.resources.map((r) => [r.key, r.resource])), new Map(b.resources.map((r) => [r.key, r.resource])));
}
