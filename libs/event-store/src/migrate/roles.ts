import pg from 'pg';

/** The role the application's logins are members of: what the gateway may do, and nothing more. */
export const APP_ROLE = 'palisade_app';
/** Tables the application may only add to: the log, its chain, the event keys and the resource snapshots derived from the log. */
const APPEND_ONLY = ['events', 'event_chain', 'event_keys', 'resource_snapshots'];

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
// Roles are shared by every database of a server: two migrations at once may both try to create one.
const ALREADY = new Set(['42710', '23505']);

/**
 * Creates the application's role and a login for it, and grants what the gateway needs in this
 * database: read and write the read models, add to the log, its chain and the key table, use the
 * sequences. Not granted: changing or removing events, links or keys (UPDATE, DELETE, TRUNCATE),
 * changing the schema or its triggers (only the owner may), creating roles or databases, the
 * migration history. Run as the database owner after every migration (new tables get their
 * grants); idempotent. The login's password is set every time, so rotating it is running this.
 */
export async function ensureAppRole(adminUrl: string, login: { user: string; password: string }): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(login.user)) throw new Error(`the application login must be a lower-case SQL name; got ${JSON.stringify(login.user)}`);
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const create = async (sql: string) => {
      try {
        await client.query(sql);
      } catch (error) {
        if (!ALREADY.has((error as { code?: string }).code ?? '')) throw error;
      }
    };
    const exists = async (role: string) => (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
    if (!(await exists(APP_ROLE))) await create(`CREATE ROLE ${ident(APP_ROLE)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    if (!(await exists(login.user))) await create(`CREATE ROLE ${ident(login.user)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    await client.query(`ALTER ROLE ${ident(login.user)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(login.password)}`);
    await client.query(`GRANT ${ident(APP_ROLE)} TO ${ident(login.user)}`);
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    const app = ident(APP_ROLE);
    await client.query(
      [
        `GRANT CONNECT ON DATABASE ${ident(rows[0]!.db)} TO ${app}`,
        `GRANT USAGE ON SCHEMA public TO ${app}`,
        `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app}`,
        `REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${APPEND_ONLY.map(ident).join(', ')} FROM ${app}`,
        `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM ${app}`,
        `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app}`,
      ].join(';\n'),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
