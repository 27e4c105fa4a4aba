// Helpers for integration tests that run the real worker process against real Postgres and Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const running = new Set<ChildProcess>();

/** Starts `apps/worker/src/main.ts` as the deployment does, on the test's database and prefix. */
export function startWorker(options: {
  databaseUrl: string;
  prefix: string;
  env?: Record<string, string>;
  /** Variables the worker must not inherit (the tests set STUDIO_BACKEND=wasm by default). */
  unset?: string[];
  /** Keep the worker's standard output readable from `worker.stdout`. */
  isStdoutPiped?: boolean;
}): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    STUDIO_PREFIX: options.prefix,
    STUDIO_TRAIN_LOCK_MS: '4000',
    STUDIO_BACKEND: 'wasm',
    // Decoded images and downloads of test runs stay out of the user's cache.
    STUDIO_CACHE_DIR: path.join(os.tmpdir(), 'studio-worker-tests'),
    ...options.env,
  };
  for (const name of options.unset ?? []) delete env[name];
  const stdout = options.isStdoutPiped
    ? 'pipe'
    : process.env.STUDIO_TEST_VERBOSE
      ? 'inherit'
      : 'ignore';
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'apps/worker/src/main.ts')],
    { cwd: root, env, stdio: ['ignore', stdout, 'inherit'] },
  );
  running.add(worker);
  worker.once('exit', () => running.delete(worker));
  return worker;
}

export function exitOf(worker: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    worker.exitCode !== null
      ? resolve(worker.exitCode)
      : worker.once('exit', (code) => resolve(code)),
  );
}

/** Kills every worker the test started and waits until they are gone. */
export async function killWorkers(): Promise<void> {
  for (const worker of running) {
    worker.kill('SIGKILL');
    await exitOf(worker);
  }
}

/** Polls `read` every 250 ms until `isDone` holds; fails with the last value after the timeout. */
export async function until<T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
