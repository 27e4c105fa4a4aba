import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { emit, loadavg, note } from './measure-row';

/** What `npm run lesson -- --json` prints as its last line (scripts/lesson.ts). */
interface LessonSummary {
  arch: string;
  size: number;
  bs: number;
  n_train: number;
  n_valid: number;
  backend: string;
  load_s: number;
  pixel_cache: { hits: number; writes: number } | null;
  precompute: { views: number; cacheS: number; bodyImgS: number } | null;
  frozen_error: number;
  frozen_wall_s: number;
  final_error: number;
  wall_s: number;
}

export interface LessonBenchOptions {
  sharedDir: string;
  /** Dataset folder name under sharedDir/datasets. */
  dataset: string;
  size: number;
  bs: number;
  /** The lesson's --arch; null: its default. */
  arch: string | null;
  backend: 'wasm' | 'cpu';
}

/**
 * Time to accuracy: the lesson's plan (headless runner) on a real dataset, cold (an empty cache of
 * decoded images) and then warm (the same cache), each in a fresh process so nothing else carries
 * over. One line per stage: wall seconds from the start of the run, data loading included, and the
 * error rate after it.
 */
export function runLessonBench(options: LessonBenchOptions): void {
  const pixelCache = mkdtempSync(join(tmpdir(), 'studio-bench-pixels-'));
  const script = resolve(import.meta.dirname, '../lesson.ts');
  const data = join(options.sharedDir, 'datasets', options.dataset);
  try {
    for (const cache of ['cold', 'warm'] as const) {
      note(`lesson on ${options.dataset} at ${options.size} px, ${cache} cache…`);
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          '--data',
          data,
          '--size',
          String(options.size),
          '--bs',
          String(options.bs),
          '--pixel-cache',
          pixelCache,
          '--pretrained',
          join(options.sharedDir, 'pretrained'),
          '--backend',
          options.backend,
          ...(options.arch ? ['--arch', options.arch] : []),
          '--json',
        ],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 64 * 2 ** 20,
        },
      );
      const last = child.stdout.trim().split('\n').at(-1) ?? '';
      if (child.status !== 0 || !last.startsWith('{')) {
        emit({
          part: 'lesson',
          cache,
          dataset: options.dataset,
          error: `the lesson exited with ${child.status ?? child.signal}`,
          loadavg: loadavg(),
        });
        return;
      }
      const summary = JSON.parse(last) as LessonSummary;
      const common = {
        part: 'lesson',
        dataset: options.dataset,
        arch: summary.arch,
        size: summary.size,
        bs: summary.bs,
        n_train: summary.n_train,
        n_valid: summary.n_valid,
        backend: summary.backend,
        cache,
        load_s: summary.load_s,
        pixel_cache: summary.pixel_cache,
        loadavg: loadavg(),
      };
      emit({
        ...common,
        stage: 'frozen',
        wall_s: summary.frozen_wall_s,
        error_rate: summary.frozen_error,
        feature_cache_s: summary.precompute?.cacheS ?? null,
        body_img_s: summary.precompute?.bodyImgS ?? null,
      });
      emit({
        ...common,
        stage: 'unfrozen',
        wall_s: summary.wall_s,
        error_rate: summary.final_error,
      });
    }
  } finally {
    rmSync(pixelCache, { recursive: true, force: true });
  }
}
