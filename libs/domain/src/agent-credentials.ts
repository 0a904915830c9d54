import { randomUUID } from 'node:crypto';
import { appendInTransaction, type Db } from '@palisade/event-store';
import { event, type ChangeMeta } from './change.js';
import { DomainError } from './errors.js';

export const agentStream = (cluster: string, node: string) => `agent/${cluster}/${node}`;

export interface AgentJoin {
  cluster: string;
  node: string;
  joinTokenId: string;
  /** The NATS user key the agent's credentials are bound to. */
  userKey: string;
  issuedAt: Date;
}

/**
 * Records credentials issued to a joining agent: the row revocation works from, and Agent.Joined
 * on the node's stream (never the credentials themselves), so the audit history shows which join
 * token admitted which node, when.
 */
export async function recordAgentJoin(db: Db, join: AgentJoin): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute`
      INSERT INTO agent_credentials (user_key, cluster, node, join_token_id, issued_at) VALUES (${join.userKey}, ${join.cluster}, ${join.node}, ${join.joinTokenId}, ${join.issuedAt})`;
    await appendInTransaction(tx, [
      {
        streamId: agentStream(join.cluster, join.node),
        expectedVersion: 'any',
        events: [event('Agent.Joined', { cluster: join.cluster, node: join.node, joinToken: join.joinTokenId, userKey: join.userKey }, { actor: `join-token:${join.joinTokenId}` }, randomUUID())],
      },
    ]);
  });
}

/**
 * Revokes every credential a node was issued that is not revoked yet and returns their keys. The
 * caller pushes the new revocation list to NATS; the rows are the truth it is rebuilt from.
 */
export async function revokeAgentCredentials(db: Db, cluster: string, node: string, meta: ChangeMeta): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ user_key: string }[]>`
      UPDATE agent_credentials SET revoked_at = now() WHERE cluster = ${cluster} AND node = ${node} AND revoked_at IS NULL RETURNING user_key`;
    if (rows.length === 0) {
      const [known] = await tx.query<{ n: number }[]>`SELECT count(*)::int AS n FROM agent_credentials WHERE cluster = ${cluster} AND node = ${node}`;
      throw new DomainError(
        known!.n ? 'CONFLICT' : 'NOT_FOUND',
        known!.n ? `node ${node} of cluster ${cluster} holds no credentials that are not revoked already` : `node ${node} of cluster ${cluster} never joined`,
      );
    }
    const keys = rows.map((r) => r.user_key).sort();
    await appendInTransaction(tx, [
      { streamId: agentStream(cluster, node), expectedVersion: 'any', events: [event('Agent.CredentialsRevoked', { cluster, node, userKeys: keys }, meta, randomUUID())] },
    ]);
    return keys;
  });
}

/** Every revoked user key with when it was revoked (unix seconds): the account JWT's revocation list. */
export async function revokedAgentKeys(db: Db): Promise<Record<string, number>> {
  const rows = await db.query<{ user_key: string; revoked_at: Date }[]>`SELECT user_key, revoked_at FROM agent_credentials WHERE revoked_at IS NOT NULL ORDER BY user_key`;
  // A revocation covers JWTs issued up to and including that second.
  return Object.fromEntries(rows.map((r) => [r.user_key, Math.ceil(r.revoked_at.getTime() / 1000) + 1]));
}
