import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, freePort, type TestDatabase } from '@studio/db/testing';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** `npm run studio` (scripts/studio.mjs) as a person starts it, on a database of its own. */
export interface StudioProcess {
  url: string;
  process: ChildProcess;
  /** Everything it has printed so far (its own lines and its children's). */
  output(): string;
  /** Resolves with the first line matching `pattern` printed after `fromOffset`. */
  waitForLine(pattern: RegExp, timeoutMs?: number, fromOffset?: number): Promise<string>;
  /** The process ids of the worker and of the web app it runs now (null while one is down). */
  children(): { worker: number | null; web: number | null };
  close(): Promise<void>;
}

function childrenOf(pid: number): { pid: number; args: string }[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [, id, args] = /^\s*(\d+)\s+(.*)$/.exec(line)!;
        return { pid: Number(id), args: args! };
      });
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function killQuietly(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function startStudioProcess(): Promise<StudioProcess & { database: TestDatabase }> {
  const database = await createTestDatabase();
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'scripts/studio.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      STUDIO_PREFIX: `t${randomBytes(4).toString('hex')}`,
      STUDIO_SECRET: randomBytes(32).toString('base64'),
      PORT: String(port),
    },
    stdio: 'pipe',
  });
  let text = '';
  const onData = (data: Buffer) => {
    text += data.toString();
    if (process.env.STUDIO_TEST_VERBOSE) process.stdout.write(`[studio] ${data}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) =>
    child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  const children = () => {
    const list = childrenOf(child.pid!);
    const find = (part: string) => list.find((c) => c.args.includes(part))?.pid ?? null;
    return { worker: find('apps/worker/src/main.ts'), web: find('next') };
  };
  const handle: StudioProcess = {
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => text,
    async waitForLine(pattern, timeoutMs = 60_000, fromOffset = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = text
          .slice(fromOffset)
          .split('\n')
          .find((l) => pattern.test(l));
        if (line) return line;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`No line matched ${pattern}; the studio printed:\n${text.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    children,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const { worker, web } = children();
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          for (const pid of [worker, web]) if (pid) killQuietly(pid);
          child.kill('SIGKILL');
        }, 40_000);
        await exited;
        clearTimeout(timer);
      }
      await database.drop();
    },
  };
  return { ...handle, database };
}
