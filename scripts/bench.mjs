// `npm run bench -- <part> …`: the learner's benchmarks (packages/ml/scripts/bench.ts), or with
// --import a dataset import's images per second (packages/datasets/scripts/bench-import.ts).
// JSON lines on stdout, notes on stderr.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const isImport = args.includes('--import');
const workspace = isImport ? '@studio/datasets' : '@studio/ml';
const rest = isImport ? args.filter((a) => a !== '--import') : args;
const run = spawnSync('npm', ['run', '-s', 'bench', '-w', workspace, '--', ...rest], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
