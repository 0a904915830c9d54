// The store's database client: raw SQL over pg (see sql/client.ts for why not Prisma's engine).
export { createDbClient, DbError, UNIQUE_VIOLATION, type DbClient, type DbTx, type DbOptions, type TransactionOptions } from './sql/client.js';
