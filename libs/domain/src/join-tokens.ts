import { randomBytes, randomUUID } from 'node:crypto';
import { ClusterName } from '@palisade/contracts';
import { appendInTransaction, sha256Hex, type Db } from '@palisade/event-store';
import type { ChangeMeta } from './change.js';
import { clusterView } from './clusters.js';
import { DomainError } from './errors.js';
import { secretMatches } from './secrets.js';

/** "pal_join_" + 12 hex id + "_" + 43 characters of secret (32 random bytes, base64url). */
const JOIN_TOKEN = /^pal_join_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const joinTokenStream = (id: string) => `join-token/${id}`;
/** A join token lives a day unless told otherwise, and never more than 30 days: it is a bootstrap secret. */
export const JOIN_TOKEN_HOURS = { default: 24, max: 30 * 24 } as const;

export interface JoinTokenInfo {
  id: string;
  cluster: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/**
 * A token agents of one cluster show the gateway when they join. The secret is returned once,
 * here; only its hash is stored, and JoinToken.Created records everything but the secret.
 */
export async function createJoinToken(db: Db, cluster: string, options: { expiresInHours?: number }, meta: ChangeMeta): Promise<{ token: string; info: JoinTokenInfo }> {
  if (!ClusterName.safeParse(cluster).success) throw new DomainError('VALIDATION_FAILED', `${JSON.stringify(cluster)} is not a cluster name (a DNS label)`);
  const hours = options.expiresInHours ?? JOIN_TOKEN_HOURS.default;
  if (!Number.isInteger(hours) || hours < 1 || hours > JOIN_TOKEN_HOURS.max) throw new DomainError('VALIDATION_FAILED', `a join token lives 1 to ${JOIN_TOKEN_HOURS.max} hours; ${hours} asked`);
  return db.transaction(async (tx) => {
    if (!(await clusterView(tx, cluster))) throw new DomainError('NOT_FOUND', `no cluster ${cluster}: register it first`);
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = new Date();
    const expiresAt = new Date(createdAt.getTime() + hours * 3_600_000);
    await tx.execute`
      INSERT INTO join_tokens (id, cluster, hash, created_by, created_at, expires_at) VALUES (${id}, ${cluster}, ${sha256Hex(secret)}, ${meta.actor}, ${createdAt}, ${expiresAt})`;
    await appendInTransaction(tx, [
      {
        streamId: joinTokenStream(id),
        expectedVersion: 0,
        events: [{ id: randomUUID(), type: 'JoinToken.Created', payload: { id, cluster, expiresAt: expiresAt.toISOString() }, actor: meta.actor, ...(meta.reason ? { reason: meta.reason } : {}) }],
      },
    ]);
    return { token: `pal_join_${id}_${secret}`, info: { id, cluster, createdBy: meta.actor, createdAt, expiresAt, revokedAt: null } };
  });
}

/**
 * The cluster a join token admits to, or undefined (malformed, unknown, wrong secret, revoked,
 * expired: the caller learns only that it is not valid). Compares hashes in constant time.
 */
export async function checkJoinToken(db: Db, token: string, now = new Date()): Promise<{ id: string; cluster: string } | undefined> {
  const match = JOIN_TOKEN.exec(token);
  if (!match) return undefined;
  const [, id, secret] = match;
  const [row] = await db.query<{ cluster: string; hash: string; expires_at: Date; revoked_at: Date | null }[]>`SELECT cluster, hash, expires_at, revoked_at FROM join_tokens WHERE id = ${id!}`;
  if (!row) return undefined;
  if (!secretMatches(row.hash, secret!)) return undefined;
  if (row.revoked_at || row.expires_at <= now) return undefined;
  return { id: id!, cluster: row.cluster };
}

export async function listJoinTokens(db: Db, cluster?: string): Promise<JoinTokenInfo[]> {
  const rows = await db.query<{ id: string; cluster: string; created_by: string; created_at: Date; expires_at: Date; revoked_at: Date | null }[]>`
    SELECT id, cluster, created_by, created_at, expires_at, revoked_at FROM join_tokens WHERE ${cluster ?? null}::text IS NULL OR cluster = ${cluster ?? null} ORDER BY created_at, id`;
  return rows.map((r) => ({ id: r.id, cluster: r.cluster, createdBy: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at }));
}

/** Revokes a join token: agents that joined with it keep their own credentials; no new one can join with it. */
export async function revokeJoinToken(db: Db, id: string, meta: ChangeMeta): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ revoked_at: Date | null }[]>`SELECT revoked_at FROM join_tokens WHERE id = ${id} FOR UPDATE`;
    if (!row) throw new DomainError('NOT_FOUND', `no join token ${id}`);
    if (row.revoked_at) throw new DomainError('CONFLICT', `join token ${id} was already revoked at ${row.revoked_at.toISOString()}`);
    await tx.execute`UPDATE join_tokens SET revoked_at = now() WHERE id = ${id}`;
    await appendInTransaction(tx, [
      {
        streamId: joinTokenStream(id),
        expectedVersion: 1,
        events: [{ id: randomUUID(), type: 'JoinToken.Revoked', payload: { id }, actor: meta.actor, ...(meta.reason ? { reason: meta.reason } : {}) }],
      },
    ]);
  });
}
