import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export interface PrismaOptions {
  /** Pool size; Prisma's default is the driver's (10). */
  max?: number;
  idleTimeoutMillis?: number;
}

/** A Prisma client over the pg driver adapter: no Rust engine, nothing downloaded. */
export function createPrismaClient(databaseUrl: string, options: PrismaOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 10_000,
    connectionTimeoutMillis: 10_000,
  });
  return new PrismaClient({ adapter });
}

export { PrismaClient };
export type { Event } from './generated/prisma/client.js';
