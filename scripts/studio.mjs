// `npm run studio`: install when needed, start Postgres/Redis when they are local and down,
// apply migrations, build the web app when its sources changed, then start the web app and one
// worker (restarted whenever they exit; see supervise.mjs), and print the URL once /api/health
// says everything is up.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { supervise } from './supervise.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 3000);

// The session secret: from the environment, else from .studio/secret.env (git-ignored), which
// the first start fills with 32 random bytes so the quick start stays one command.
function sessionSecret() {
  if (process.env.BETTER_AUTH_SECRET || process.env.STUDIO_SECRET) return {};
  const file = path.join(root, '.studio/secret.env');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(32).toString('base64');
    writeFileSync(file, `STUDIO_SECRET=${secret}\n`, { mode: 0o600 });
    console.log(`studio: wrote a new session secret to ${path.relative(root, file)}`);
  }
  const match = /^STUDIO_SECRET=(.+)$/m.exec(readFileSync(file, 'utf8'));
  return match ? { STUDIO_SECRET: match[1].trim() } : {};
}

const env = {
  ...process.env,
  ...sessionSecret(),
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/studio',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  NEXT_TELEMETRY_DISABLED: '1',
  TURBO_TELEMETRY_DISABLED: '1',
};
const say = (msg) => console.log(`studio: ${msg}`);

function step(label, command, args) {
  say(label);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    say(`${label} failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
}

function isReachable(urlString) {
  const url = new URL(urlString);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.end();
      resolve(true);
    });
    socket.setTimeout(1500, () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.next', 'generated', '.turbo'].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

async function ensureService(name, url, start) {
  if (await isReachable(url)) return;
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    say(`${name} at ${url} is not reachable; start it or set the URL.`);
    process.exit(1);
  }
  say(`${name} is not running locally; starting it`);
  spawnSync('bash', ['-c', start], { stdio: 'inherit' });
  for (let i = 0; i < 30 && !(await isReachable(url)); i++)
    await new Promise((r) => setTimeout(r, 1000));
  if (!(await isReachable(url))) {
    say(
      `could not start ${name}. Install it (Debian: apt-get install postgresql redis-server) or set ${name === 'Postgres' ? 'DATABASE_URL' : 'REDIS_URL'}.`,
    );
    process.exit(1);
  }
}

const lock = path.join(root, 'package-lock.json');
const installed = path.join(root, 'node_modules/.package-lock.json');
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  step('installing dependencies (npm ci)', 'npm', ['ci', '--no-audit', '--no-fund']);
}
if (!existsSync(path.join(root, 'packages/db/src/generated/prisma/client.ts'))) {
  step('generating the database client', 'npm', ['run', 'generate', '-w', '@studio/db']);
}
await ensureService(
  'Postgres',
  env.DATABASE_URL.replace(/^postgres(ql)?:/, 'http:'),
  'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
);
await ensureService(
  'Redis',
  env.REDIS_URL.replace(/^rediss?:/, 'http:'),
  'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --appendonly yes --maxmemory-policy noeviction',
);
step('applying database migrations', 'npx', ['tsx', 'packages/db/scripts/migrate.ts']);

const buildId = path.join(root, 'apps/web/.next/BUILD_ID');
const sources = Math.max(
  newestMtime(path.join(root, 'apps/web')),
  ...['shared', 'db', 'datasets'].map((p) => newestMtime(path.join(root, 'packages', p))),
);
if (!existsSync(buildId) || statSync(buildId).mtimeMs < sources) {
  step('building the web app', 'npx', [
    'turbo',
    'run',
    'build',
    '--filter=@studio/web',
    '--output-logs=errors-only',
  ]);
}

// Started directly (not through npx) so that SIGTERM reaches the processes that handle it.
supervise(
  [
    {
      name: 'worker',
      command: process.execPath,
      args: ['--import', 'tsx', 'apps/worker/src/main.ts'],
      options: { cwd: root, env, stdio: 'inherit' },
    },
    {
      name: 'web app',
      command: process.execPath,
      args: [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port)],
      options: { cwd: path.join(root, 'apps/web'), env, stdio: 'inherit' },
    },
  ],
  say,
);

const url = `http://localhost:${port}`;
for (let i = 0; i < 120; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const health = await fetch(`${url}/api/health`)
    .then((r) => r.json())
    .catch(() => null);
  if (health?.ok) {
    say(`ready at ${url} (database, queue and ${health.workers.count} worker up)`);
    break;
  }
  if (i === 119)
    say(
      `started, but ${url}/api/health still reports: ${health ? health.down.join(', ') : 'no answer'}`,
    );
}
