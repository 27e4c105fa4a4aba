import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { createTestDatabase, freePort, type TestDatabase } from '@studio/db/testing';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A signed-in person of the test studio. */
export interface Person {
  email: string;
  password: string;
  /** The Cookie header of their session. */
  cookie: string;
}

export interface Studio {
  url: string;
  database: TestDatabase;
  env: NodeJS.ProcessEnv;
  /** The owner made through /api/setup, and the first team. */
  owner: Person;
  teamId: string;
  /** fetch as a person (the owner by default): their session cookie and the studio's Origin. */
  api(path: string, init?: RequestInit, person?: Person): Promise<Response>;
  signIn(email: string, password: string): Promise<Person>;
  /** POST /api/runs as the owner; the new run's id, or an error with the studio's answer. */
  createRun(body: Record<string, unknown>): Promise<string>;
  /** Polls the run every second until it is done, failed or cancelled; its run JSON then. */
  waitForRun(id: string, timeoutMs: number): Promise<EndedRun>;
  /** A browser page signed in as the person (the owner by default). */
  newPage(browser: Browser, options?: BrowserContextOptions, person?: Person): Promise<Page>;
  startWorker(): ChildProcess;
  stopWorker(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Sends the web app SIGTERM and waits until it has exited; after `killAfterMs` it is killed
   * (SIGKILL), as an orchestrator does when a stop takes too long.
   */
  stopWeb(killAfterMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A run as GET /api/runs/:id answers it, in the parts tests read. */
export interface EndedRun {
  status: 'done' | 'failed' | 'cancelled';
  stages: { id: string }[];
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve()
      : child.once('exit', () => resolve()),
  );
}

/**
 * Builds the web app (`next build`) unless a build is there already, for the scripts that start
 * the studio outside the test run (`npm run load`, `npm run bench -- --web`).
 */
export function ensureWebBuild(say: (line: string) => void): void {
  if (existsSync(path.join(root, 'apps/web/.next/BUILD_ID'))) return;
  say('building the web app first (next build)…');
  const build = spawnSync('npx', ['next', 'build'], {
    cwd: path.join(root, 'apps/web'),
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('next build failed; see above.');
}

/**
 * The real studio for a test file: the built web app (`next start`) and a worker process, on a
 * throwaway database and a Redis key prefix of their own.
 */
export async function startStudio(
  options: { withWorker?: boolean; env?: Record<string, string> } = {},
): Promise<Studio> {
  const database = await createTestDatabase();
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    STUDIO_PREFIX: `t${randomBytes(4).toString('hex')}`,
    STUDIO_SECRET: randomBytes(32).toString('base64'),
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    ...options.env,
  };
  const log = (name: string, child: ChildProcess) => {
    child.stdout?.on(
      'data',
      (d: Buffer) => process.env.STUDIO_TEST_VERBOSE && process.stdout.write(`[${name}] ${d}`),
    );
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  };
  const web = spawn(
    path.join(root, 'node_modules/.bin/next'),
    ['start', '-p', String(port), '-H', '127.0.0.1'],
    { cwd: path.join(root, 'apps/web'), env, stdio: 'pipe' },
  );
  log('web', web);
  let worker: ChildProcess | null = null;
  const startWorker = () => {
    worker = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'apps/worker/src/main.ts')],
      { cwd: root, env, stdio: 'pipe' },
    );
    log('worker', worker);
    return worker;
  };
  if (options.withWorker !== false) startWorker();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const health = await fetch(`${url}/api/health`)
      .then((r) => r.json() as Promise<{ ok: boolean; down: string[] }>)
      .catch(() => null);
    if (health && (health.ok || (options.withWorker === false && health.down.join() === 'worker')))
      break;
    if (Date.now() > deadline)
      throw new Error(
        `The studio did not become healthy within 90 s (last health: ${JSON.stringify(health)}).`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  const api = (pathname: string, init: RequestInit = {}, person?: Person) => {
    const headers = new Headers(init.headers);
    headers.set('Origin', url);
    if (person) headers.set('Cookie', person.cookie);
    return fetch(`${url}${pathname}`, { ...init, headers });
  };
  const owner = { email: 'owner@studio.test', password: 'owner-password-1' };
  const setup = await api('/api/setup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Olivia Owner', teamName: 'Lesson one', ...owner }),
  });
  if (setup.status !== 201) throw new Error(`Setup failed: ${setup.status} ${await setup.text()}`);
  const { teamId } = (await setup.json()) as { teamId: string };
  const ownerPerson: Person = { ...owner, cookie: cookieHeader(setup) };
  return {
    url,
    database,
    env,
    owner: ownerPerson,
    teamId,
    api: (pathname, init, person = ownerPerson) => api(pathname, init, person),
    async signIn(email, password) {
      const response = await api('/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (!response.ok) throw new Error(`Sign-in of ${email} failed: ${response.status}`);
      return { email, password, cookie: cookieHeader(response) };
    },
    async createRun(body) {
      const response = await api(
        '/api/runs',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        },
        ownerPerson,
      );
      const created = (await response.json()) as { id?: string; error?: string };
      if (!response.ok || !created.id)
        throw new Error(`Creating the run failed: ${response.status} ${created.error}`);
      return created.id;
    },
    async waitForRun(id, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = (await (await api(`/api/runs/${id}`, {}, ownerPerson)).json()) as {
          status: string;
          stages: { id: string }[];
        };
        if (/^(done|failed|cancelled)$/.test(run.status)) return run as EndedRun;
        if (Date.now() > deadline)
          throw new Error(`Run ${id} is still ${run.status} after ${timeoutMs / 1000} s.`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    async newPage(browser, options = {}, person = ownerPerson) {
      const context = await browser.newContext(options);
      await context.addCookies(
        person.cookie.split('; ').map((pair) => {
          const [name, ...value] = pair.split('=');
          return { name: name!, value: value.join('='), url };
        }),
      );
      return context.newPage();
    },
    startWorker,
    async stopWorker(signal: NodeJS.Signals = 'SIGTERM') {
      if (!worker) return;
      const exiting = waitForExit(worker);
      worker.kill(signal);
      await exiting;
      worker = null;
    },
    async stopWeb(killAfterMs = 30_000) {
      const exiting = waitForExit(web);
      web.kill('SIGTERM');
      const timer = setTimeout(() => web.kill('SIGKILL'), killAfterMs);
      await exiting;
      clearTimeout(timer);
    },
    async close() {
      const exits = [web, worker]
        .filter((c): c is ChildProcess => c !== null)
        .map((c) => {
          const exiting = waitForExit(c);
          c.kill('SIGTERM');
          return exiting;
        });
      await Promise.all(exits);
      await database.drop();
    },
  };
}

/** The Cookie header that carries the cookies a response set. */
export function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/**
 * Debian's Chromium, driven by playwright-core (its own browser download cannot work here).
 * `extraArgs` adds flags, e.g. a fake camera.
 */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
