// `npm test`: commit messages, formatting, types and lint for every workspace, the web build,
// then every workspace's tests (the layers in vitest.layers.ts), one workspace at a time so the
// two cores are not fought over. Ends with "N passed, N failed".
// `npm test -- unit` (or integration, browser, acceptance) runs one layer and skips the checks;
// `npm test -- ml` one workspace; both combine.
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
const LAYERS = ['unit', 'integration', 'browser', 'acceptance'];
const args = process.argv.slice(2);
const layers = args.filter((a) => LAYERS.includes(a));
const only = args.filter((a) => !LAYERS.includes(a));
const isEverything = args.length === 0;

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

// Everything that went wrong, repeated at the end so a long log still names it.
const failures = [];
let isClean = true;
if (isEverything) {
  const checks = [
    ['commit messages', ['node', 'scripts/check-commits.mjs']],
    ['node versions every package accepts', ['node', 'scripts/check-engines.mjs']],
    ['format (prettier --check)', ['prettier', '--check', '.', '--log-level', 'warn']],
    [
      'typecheck and lint (turbo)',
      ['turbo', 'run', 'typecheck', 'lint', '--output-logs=errors-only'],
    ],
    [
      'build the web app',
      ['turbo', 'run', 'build', '--filter=@studio/web', '--output-logs=errors-only'],
    ],
  ];
  for (const [label, args] of checks) {
    if (run(label, 'npx', args)) continue;
    isClean = false;
    failures.push(label);
  }
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
    [
      'vitest',
      'run',
      ...layers.flatMap((layer) => ['--project', layer]),
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${outputFile}`,
    ],
    path.join(root, workspace),
  );
  if (!existsSync(outputFile)) {
    failed += 1;
    failures.push(`${workspace}: the test runner produced no report`);
    console.log(`  ${workspace}: the test runner produced no report`);
    continue;
  }
  const report = JSON.parse(readFileSync(outputFile, 'utf8'));
  passed += report.numPassedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  failed += report.numFailedTests;
  for (const file of report.testResults ?? []) {
    const relative = path.relative(root, file.name);
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const message = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      failures.push(`${relative} > ${test.fullName}: ${message}`);
    }
    if (
      file.status === 'failed' &&
      !(file.assertionResults ?? []).some((t) => t.status === 'failed')
    )
      failures.push(
        `${relative}: ${(file.message ?? 'failed outside any test').split('\n')[0].slice(0, 300)}`,
      );
  }
  if (!isOk && report.numFailedTests === 0) {
    failed += 1;
    failures.push(
      `${workspace}: vitest exited with an error outside the tests (unhandled error or rejection?)`,
    );
  }
}

if (!isClean) failed += 1;
if (failures.length > 0)
  console.log(`\nWhat failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 && isClean ? 0 : 1);
