import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { emit, loadavg, note } from './measure-row';

export interface ScalingBenchOptions {
  sharedDir: string;
  /** Dataset folder name under sharedDir/datasets. */
  dataset: string;
  size: number;
  bs: number;
  /** Shares of the dataset (of each class, in the training and the validation split). */
  fractions: number[];
  backend: 'wasm' | 'cpu';
}

/**
 * Scaling with the data: one epoch of the lesson's frozen stage on the plain strategy (the body's
 * forward and BatchNorm backward for every image, then validation) on a share of the dataset,
 * each share in a fresh process so its peak RSS is its own. One "scaling" line per share.
 */
export function runScalingBench(options: ScalingBenchOptions): void {
  const child = resolve(import.meta.dirname, 'scaling-child.ts');
  for (const fraction of options.fractions) {
    note(`scaling: ${fraction * 100} % of ${options.dataset} at ${options.size} px…`);
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', child, JSON.stringify({ ...options, fraction })],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 2 ** 20 },
    );
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.status !== 0 || !last.startsWith('{')) {
      emit({
        part: 'scaling',
        dataset: options.dataset,
        fraction,
        error: `the measurement exited with ${run.status ?? run.signal}`,
        loadavg: loadavg(),
      });
      continue;
    }
    emit(JSON.parse(last));
  }
}
