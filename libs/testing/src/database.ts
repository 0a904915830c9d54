import pg from 'pg';
import { uniqueName } from './names.js';
import { testServices } from './services.js';

export interface TestDatabase {
  /** A connection URL for the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, closing any connections left open to it. */
  drop: () => Promise<void>;
}

/**
 * Creates an empty database on the test server, so each test file starts from nothing and
 * concurrent files never see each other's rows. The DATABASE_URL role needs CREATEDB.
 */
export async function createTestDatabase(prefix = 'palisade_test'): Promise<TestDatabase> {
  const base = new URL(testServices().databaseUrl);
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
