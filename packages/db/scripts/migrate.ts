// Applies prisma/migrations to DATABASE_URL (creating the database first when it is missing).
import { applyMigrations, ensureDatabase } from '../src/migrate';

const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/studio';
const created = await ensureDatabase(url);
const result = await applyMigrations(url);
console.log(
  JSON.stringify({
    database: new URL(url).pathname.slice(1),
    created,
    applied: result.applied,
    alreadyApplied: result.alreadyApplied.length,
  }),
);
