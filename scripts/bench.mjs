// `npm run bench -- <part> …`: the learner's benchmarks (packages/ml/scripts/bench.ts), with
// --import a dataset import's images per second (packages/datasets/scripts/bench-import.ts), or
// with --web the server's response times for a finished 37-class run
// (apps/web/scripts/bench-web.ts). JSON lines on stdout, notes on stderr.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const routes = [
  ['--import', '@studio/datasets'],
  ['--web', '@studio/web'],
];
const [flag, workspace] = routes.find(([f]) => args.includes(f)) ?? [null, '@studio/ml'];
const rest = flag ? args.filter((a) => a !== flag) : args;
const run = spawnSync('npm', ['run', '-s', 'bench', '-w', workspace, '--', ...rest], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
