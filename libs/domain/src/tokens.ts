import { randomBytes, randomUUID } from 'node:crypto';
import { TokenRequest, tokenActor, type Role } from '@palisade/contracts';
import { appendInTransaction, sha256Hex, type Db, type Tx } from '@palisade/event-store';
import { DomainError } from './errors.js';
import { secretMatches } from './secrets.js';

/** "pal_" + 12 hex id + "_" + 43 characters of secret (32 random bytes, base64url). */
const TOKEN = /^pal_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const tokenStream = (id: string) => `token/${id}`;

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  namespaces: string[];
  tiers: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** Who a valid token belongs to: what authorization and events need. */
export interface TokenPrincipal {
  tokenId: string;
  /** "token:<name>#<id>(<role>)" (contracts' tokenActor): the actor events record. */
  actor: string;
  role: Role;
  namespaces: string[];
  tiers: string[];
  expiresAt: Date | null;
}

/**
 * Creates a token. The secret is returned once, here; only its hash is stored, and the
 * Token.Created event records everything but the secret. Names are unique among live tokens
 * (neither revoked nor expired): a clash is a CONFLICT naming the token that holds the name.
 */
export async function createToken(db: Db, request: TokenRequest, createdBy: string, options: { reason?: string } = {}): Promise<{ token: string; info: TokenInfo }> {
  const t = checkRequest(request);
  return db.transaction((tx) => insertToken(tx, t, createdBy, options.reason));
}

function checkRequest(request: TokenRequest) {
  const parsed = TokenRequest.safeParse(request);
  if (!parsed.success) throw new DomainError('VALIDATION_FAILED', `invalid token request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

async function insertToken(tx: Tx, t: ReturnType<typeof checkRequest>, createdBy: string, reason?: string): Promise<{ token: string; info: TokenInfo }> {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const createdAt = new Date();
  // Creations take turns (the lock the bootstrap takes too), so two creates of one name cannot
  // both find it free. A partial unique index could not do this: "not expired" depends on now().
  await tx.execute`LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE`;
  const holders = await tx.query<{ id: string; role: Role; expires_at: Date | null }[]>`
    SELECT id, role, expires_at FROM api_tokens
    WHERE name = ${t.name} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${createdAt}) ORDER BY created_at, id`;
  if (holders.length > 0) {
    const live = holders.map((h) => `${h.id} (${h.role}, ${h.expires_at ? `expires ${h.expires_at.toISOString()}` : 'never expires'})`).join(', ');
    throw new DomainError(
      'CONFLICT',
      `token name ${JSON.stringify(t.name)} is taken: live token${holders.length > 1 ? 's' : ''} ${live} hold${holders.length > 1 ? '' : 's'} it; revoke ${holders.length > 1 ? 'them' : 'it'} or choose another name`,
    );
  }
  const expiresAt = new Date(createdAt.getTime() + t.expiresInDays * 86_400_000);
  const info: TokenInfo = { id, name: t.name, role: t.role, namespaces: t.namespaces, tiers: t.tiers, createdBy, createdAt, expiresAt, revokedAt: null, lastUsedAt: null };
  await tx.execute`
    INSERT INTO api_tokens (id, name, hash, role, namespaces, tiers, created_by, created_at, expires_at)
    VALUES (${id}, ${t.name}, ${sha256Hex(secret)}, ${t.role}, ${t.namespaces}, ${t.tiers}, ${createdBy}, ${createdAt}, ${expiresAt})`;
  await appendInTransaction(tx, [
    {
      streamId: tokenStream(id),
      expectedVersion: 0,
      events: [
        {
          id: randomUUID(),
          type: 'Token.Created',
          payload: { id, name: t.name, role: t.role, namespaces: t.namespaces, tiers: t.tiers, expiresAt: expiresAt.toISOString() },
          actor: createdBy,
          ...(reason ? { reason } : {}),
        },
      ],
    },
  ]);
  return { token: `pal_${id}_${secret}`, info };
}

/**
 * The principal a bearer token stands for, or undefined (malformed, unknown, wrong secret,
 * revoked, expired: the caller is told only that it is not valid). Compares hashes in constant time.
 */
export async function authenticate(db: Db, token: string, now = new Date()): Promise<TokenPrincipal | undefined> {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const [, id, secret] = match;
  const [row] = await db.query<{ name: string; hash: string; role: Role; namespaces: string[]; tiers: string[]; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null }[]>`
    SELECT name, hash, role, namespaces, tiers, expires_at, revoked_at, last_used_at FROM api_tokens WHERE id = ${id!}`;
  if (!row) return undefined;
  if (!secretMatches(row.hash, secret!)) return undefined;
  if (row.revoked_at || (row.expires_at && row.expires_at <= now)) return undefined;
  // Last use, at most once a minute per token: a write per request would be wasteful.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) await db.execute`UPDATE api_tokens SET last_used_at = ${now} WHERE id = ${id!}`;
  return { tokenId: id!, actor: tokenActor({ id: id!, name: row.name, role: row.role }), role: row.role, namespaces: row.namespaces, tiers: row.tiers, expiresAt: row.expires_at };
}

/** Revokes a token for good; revoking one already revoked is an error naming when it was. */
export async function revokeToken(db: Db, id: string, actor: string, reason?: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ revoked_at: Date | null }[]>`SELECT revoked_at FROM api_tokens WHERE id = ${id} FOR UPDATE`;
    if (!row) throw new DomainError('NOT_FOUND', `no token ${id}`);
    if (row.revoked_at) throw new DomainError('NOT_FOUND', `token ${id} was already revoked at ${row.revoked_at.toISOString()}`);
    await tx.execute`UPDATE api_tokens SET revoked_at = now() WHERE id = ${id}`;
    await appendInTransaction(tx, [{ streamId: tokenStream(id), expectedVersion: 1, events: [{ id: randomUUID(), type: 'Token.Revoked', payload: { id }, actor, ...(reason ? { reason } : {}) }] }]);
  });
}

export async function listTokens(db: Db): Promise<TokenInfo[]> {
  const rows = await db.query<
    { id: string; name: string; role: Role; namespaces: string[]; tiers: string[]; created_by: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null }[]
  >`
    SELECT id, name, role, namespaces, tiers, created_by, created_at, expires_at, revoked_at, last_used_at FROM api_tokens ORDER BY created_at, id`;
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    namespaces: r.namespaces,
    tiers: r.tiers,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  }));
}

/**
 * The first admin token, made only when no token exists yet (what `palisade up` prints once on a
 * fresh stack). The check and the insert hold a table lock, so two callers cannot both make one.
 */
export async function bootstrapAdminToken(db: Db, expiresInDays = 30): Promise<{ token: string; info: TokenInfo } | undefined> {
  return db.transaction(async (tx) => {
    await tx.execute`LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE`;
    const [row] = await tx.query<{ n: bigint }[]>`SELECT count(*) AS n FROM api_tokens`;
    if (Number(row?.n ?? 0) > 0) return undefined;
    return insertToken(tx, checkRequest({ name: 'bootstrap-admin', role: 'admin', expiresInDays }), 'system:bootstrap', 'first start: an admin token to create the others');
  });
}

/**
 * The actors an audit filter stands for. Besides the exact actor it may name a token: `token:<name>`
 * (every token that has had that name), `<id>` or `token:<id>`, or `token:<name>#<id>`. Each
 * becomes the actor strings those tokens record (a token's name and role never change, so its row
 * gives them). Events recorded before actors carried ids say `token:<name>`: the name form, being
 * that exact string, still finds them; an id cannot, as they do not say which token wrote them.
 */
export async function actorsMatching(db: Db, filter: string): Promise<string[]> {
  const actors = new Set([filter]);
  const pinned = /^(?:token:(.+)#)?([0-9a-f]{12})$/.exec(filter);
  const named = filter.startsWith('token:') ? filter.slice('token:'.length) : undefined;
  type Row = { id: string; name: string; role: Role };
  let rows: Row[] = [];
  if (pinned) rows = (await db.query<Row[]>`SELECT id, name, role FROM api_tokens WHERE id = ${pinned[2]!}`).filter((r) => pinned[1] === undefined || r.name === pinned[1]);
  else if (named) rows = await db.query<Row[]>`SELECT id, name, role FROM api_tokens WHERE name = ${named} OR id = ${named}`;
  for (const row of rows) actors.add(tokenActor(row));
  return [...actors];
}
