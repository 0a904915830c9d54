// Writes the next migration: npm run migration:new -w @palisade/event-store -- <lower_snake_name>
// It diffs the schema the existing migrations were made from against prisma/schema.prisma and
// saves prisma/migrations/<timestamp>_<name>/{migration.sql,schema.prisma}. Needs a reachable
// PostgreSQL at DATABASE_URL (any database: nothing is written to it); `npm run up` gives one.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffSchemas, latestSchemaSnapshot, migrationsDir, schemaFile } from '../src/migrate/diff.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run migration:new -w @palisade/event-store -- <lower_snake_name>');
  process.exit(2);
}
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) {
  console.error('DATABASE_URL must point at a reachable PostgreSQL (prisma migrate diff connects to it); `npx palisade status` shows the local one.');
  process.exit(2);
}
const from = latestSchemaSnapshot();
const diff = await diffSchemas(from, schemaFile, databaseUrl);
if (diff.empty) {
  console.log('prisma/schema.prisma matches the existing migrations: nothing to write.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir);
writeFileSync(join(dir, 'migration.sql'), diff.sql);
copyFileSync(schemaFile, join(dir, 'schema.prisma'));
console.log(`wrote ${join(dir, 'migration.sql')}; review it, then commit it with the schema change.`);
