// Prisma CLI configuration. The JS schema engine and the pg driver adapter let `prisma generate`
// and `prisma migrate diff --script` work with no engine download. `migrate deploy` does not work
// offline with this engine, which is why src/migrate/apply.ts applies migrations itself.
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  // A short idle timeout, or every CLI call lingers ten seconds on the pool.
  adapter: async () => new PrismaPg({ connectionString: process.env['DATABASE_URL'], idleTimeoutMillis: 200 }),
});
