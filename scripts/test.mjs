// `npm test`: formatting, types and lint for every workspace, the web build, then every
// workspace's tests (unit, integration against the real Postgres and Redis, browser), one
// workspace at a time so the two cores are not fought over. Ends with "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const workspaces = [
  'packages/shared',
  'packages/datasets',
  'packages/db',
  'packages/ml',
  'apps/worker',
  'apps/web',
];
const only = process.argv.slice(2);

function run(label, command, args, cwd = root) {
  const started = Date.now();
  console.log(`\n▶ ${label}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: process.env });
  console.log(
    `  ${label}: ${result.status === 0 ? 'ok' : `failed (exit ${result.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.status === 0;
}

if (!existsSync(path.join(root, 'packages/db/src/generated/prisma/client.ts'))) {
  if (!run('generate the Prisma client', 'npm', ['run', 'generate', '-w', '@studio/db']))
    process.exit(1);
}

let isClean = true;
if (only.length === 0) {
  isClean =
    run('format (prettier --check)', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']) &&
    isClean;
  isClean =
    run('typecheck and lint (turbo)', 'npx', [
      'turbo',
      'run',
      'typecheck',
      'lint',
      '--output-logs=errors-only',
    ]) && isClean;
  isClean =
    run('build the web app', 'npx', [
      'turbo',
      'run',
      'build',
      '--filter=@studio/web',
      '--output-logs=errors-only',
    ]) && isClean;
}

const reports = mkdtempSync(path.join(os.tmpdir(), 'studio-tests-'));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const workspace of workspaces.filter(
  (w) => only.length === 0 || only.some((o) => w.endsWith(o)),
)) {
  const outputFile = path.join(reports, `${workspace.replace('/', '-')}.json`);
  const isOk = run(
    `tests: ${workspace}`,
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${outputFile}`],
    path.join(root, workspace),
  );
  if (!existsSync(outputFile)) {
    failed += 1;
    console.log(`  ${workspace}: the test runner produced no report`);
    continue;
  }
  const report = JSON.parse(readFileSync(outputFile, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (isOk || report.numFailedTests > 0 ? 0 : 1);
  skipped += report.numPendingTests + report.numTodoTests;
}

if (!isClean) failed += 1;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && isClean ? 0 : 1);
