// `npm run bench -- <part> …`: the learner's benchmarks (packages/ml/scripts/bench.ts), with
// --import a dataset import's images per second (packages/datasets/scripts/bench-import.ts), or
// with --web the server's response times for a finished 37-class run
// (apps/web/scripts/bench-web.ts), with --predict one prediction's time through the HTTP API on
// a warm worker (apps/web/scripts/bench-predict.ts). JSON lines on stdout, notes on stderr.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const routes = [
  ['--import', '@studio/datasets', 'bench'],
  ['--web', '@studio/web', 'bench'],
  ['--predict', '@studio/web', 'bench:predict'],
];
const [flag, workspace, script] = routes.find(([f]) => args.includes(f)) ?? [
  null,
  '@studio/ml',
  'bench',
];
const rest = flag ? args.filter((a) => a !== flag) : args;
const run = spawnSync('npm', ['run', '-s', script, '-w', workspace, '--', ...rest], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
