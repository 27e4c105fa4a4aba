import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports';

export interface PrivateRedis {
  readonly url: string;
  /** Shuts Redis down; `keepData` writes a snapshot first, which the next `start` loads. */
  stop(options?: { keepData?: boolean }): Promise<void>;
  start(): Promise<void>;
  /**
   * Stops the process without ending it (SIGSTOP): connections stay open and nothing answers,
   * as with a hung server or a dead network path. `thaw` resumes it (SIGCONT).
   */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, without persistence unless asked, so a fault
 * test can stop and start it without touching the shared Redis other tests (and people) use.
 * `started: false` only reserves the port: the server is down until `start()`.
 */
export async function startPrivateRedis(
  options: { started?: boolean } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-redis-'));
  let server: ChildProcess | null = null;
  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null
        ? resolve()
        : child.once('exit', () => resolve()),
    );
  const start = async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { cwd: dir, stdio: 'ignore' },
    );
    server.once('exit', () => (server = null));
    await waitForPort(port);
  };
  const stop = async ({ keepData = false } = {}) => {
    const child = server;
    if (!child) return;
    const gone = exited(child);
    if (keepData) execFileSync('redis-cli', ['-p', String(port), 'SHUTDOWN', 'SAVE']);
    else child.kill('SIGKILL');
    await gone;
  };
  if (options.started ?? true) await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    freeze: () => server?.kill('SIGSTOP'),
    thaw: () => server?.kill('SIGCONT'),
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
