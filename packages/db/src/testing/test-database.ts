import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../client';
import { applyMigrations, ensureDatabase } from '../migrate';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/**
 * A throwaway, migrated database on the real Postgres for one test file, so test files can run
 * in parallel without seeing each other's rows.
 */
export async function createTestDatabase(baseUrl = defaultTestBaseUrl()): Promise<TestDatabase> {
  const url = new URL(baseUrl);
  url.pathname = `/studio_test_${randomBytes(6).toString('hex')}`;
  const testUrl = url.toString();
  await ensureDatabase(testUrl);
  await applyMigrations(testUrl);
  const db = createDb(testUrl, { max: 4 });
  let isDropped = false;
  return {
    url: testUrl,
    db,
    async drop() {
      if (isDropped) return;
      isDropped = true;
      await db.$disconnect();
      const admin = new URL(testUrl);
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

function defaultTestBaseUrl(): string {
  return (
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgresql://postgres@127.0.0.1:5432/postgres'
  );
}
