// A Postgres server of a test's own, so a fault test can stop and start it without touching the
// shared services other tests (and people) use (a Redis of its own: startPrivateRedis in
// @studio/db/testing).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@studio/db/testing';

const PG_BIN = process.env.STUDIO_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** The `postgres` database of the cluster. */
  readonly url: string;
  /**
   * Shrinks the tmpfs the cluster's data lives on to what it uses now plus `bytes`, so the next
   * writes past that fail with "No space left on device" (the write-ahead log lives elsewhere,
   * so Postgres reports the error instead of stopping).
   */
  leaveFreeSpace(bytes: number): void;
  /** `fast` lets sessions end; `immediate` is a crash (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Postgres cluster of the test's own (initdb into a temporary folder, a free port), run as the
 * `postgres` user when the test runs as root. `sizeBytes` puts the cluster on a tmpfs of that
 * size, so it can run out of disk (needs root to mount).
 */
export async function startPrivatePostgres(
  options: { sizeBytes?: number } = {},
): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-pg-'));
  const isRoot = process.getuid?.() === 0;
  let isMounted = false;
  if (options.sizeBytes !== undefined) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${options.sizeBytes}`, 'tmpfs', dir]);
    isMounted = true;
  }
  const data = path.join(dir, 'data');
  mkdirSync(data);
  // The write-ahead log stays off the (possibly small) tmpfs; initdb creates the folder.
  const wal = `${dir}-wal`;
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  chmodSync(data, 0o700);
  const asPostgres = (command: string, args: string[]) =>
    isRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, command), ...args], {
          stdio: 'pipe',
        })
      : execFileSync(path.join(PG_BIN, command), args, { stdio: 'pipe' });
  asPostgres('initdb', ['-D', data, '-X', wal, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=60',
  ].join(' ');
  const pgCtl = (...args: string[]) =>
    asPostgres('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), ...args]);
  let isRunning = false;
  const start = async () => {
    pgCtl('-o', settings, '-w', '-t', '60', 'start');
    isRunning = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    pgCtl('-m', mode, '-w', '-t', '60', 'stop');
    isRunning = false;
  };
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    leaveFreeSpace(bytes) {
      if (!isMounted) throw new Error('leaveFreeSpace needs a cluster started with sizeBytes.');
      const df = execFileSync('df', ['-B1', '--output=used', dir]).toString();
      const used = Number(df.trim().split('\n').at(-1));
      const size = Math.ceil((used + bytes) / 4096) * 4096;
      execFileSync('mount', ['-o', `remount,size=${size}`, dir]);
    },
    stop,
    start,
    async close() {
      if (isRunning) await stop('immediate').catch(() => undefined);
      if (isMounted) execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
      rmSync(wal, { recursive: true, force: true });
    },
  };
}
