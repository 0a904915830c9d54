export { createPrismaClient, PrismaClient, type PrismaOptions, type Event } from './client.js';
export { applyMigrations, type MigrateOptions, type MigrateResult } from './migrate/apply.js';
export { loadMigrations, defaultMigrationsDir, checksum, type Migration } from './migrate/load.js';
export { MigrationError, type MigrationErrorCode } from './migrate/errors.js';
export { diffSchemas, latestSchemaSnapshot, type DiffResult } from './migrate/diff.js';
