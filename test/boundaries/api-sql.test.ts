// Reads and writes of the store live in the store's libraries: libs/api authorizes and
// translates, and sends no SQL of its own (tests included). Read from the source, so a query
// written into a router fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../support/cli.js';

const api = join(root, 'libs', 'api', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** SQL statements, or the database client's query methods (tagged templates and text). tRPC's .query(resolver) is not SQL. */
const SQL = [/\b(SELECT|INSERT INTO|DELETE FROM|CREATE TABLE|ALTER TABLE)\b/, /\bUPDATE [a-z_]+ SET\b/, /\.(query|execute)(<[^>]*>)?`/, /\.(queryText|executeText)\(/];

const sqlIn = (text: string) => SQL.filter((pattern) => pattern.test(text)).map(String);

describe('libs/api sends no SQL', () => {
  it('has no SQL statement and no database query call in any file', () => {
    const found = files(api).flatMap((file) => sqlIn(readFileSync(file, 'utf8')).map((what) => `${relative(root, file)}: ${what}`));
    expect(found).toEqual([]);
  });

  it('would see one (the check can fail)', () => {
    expect(sqlIn('const rows = await ctx.db.query<{ n: bigint }[]>`SELECT count(*) AS n FROM events`;')).toHaveLength(2);
    expect(sqlIn("await tx.executeText('UPDATE api_tokens SET revoked_at = now()');")).toHaveLength(2);
    expect(sqlIn('list: authedProcedure.query(async ({ ctx }) => listTokens(ctx.db)),')).toEqual([]);
  });
});
