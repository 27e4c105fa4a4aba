import 'server-only';
import { createDb, PostgresBlobStore, type Db } from '@studio/db';
import { env } from './env';

// One client per server process (kept on globalThis so dev-mode reloads do not open more pools).
const holder = globalThis as unknown as { studioDb?: Db };

export function db(): Db {
  holder.studioDb ??= createDb(env().DATABASE_URL);
  return holder.studioDb;
}

export function blobs(): PostgresBlobStore {
  return new PostgresBlobStore(db());
}
