/**
 * Benchmarks (DESIGN.md §8): scripts that print JSON lines, compared with PyTorch in the same
 * sitting. `npm run -s bench -- --engine` times the learner's engine, one row per network:
 *   part "engine-onnx"     the inference forward on ONNX Runtime (what the studio infers with;
 *                          --onnx-only measures just this)
 *   part "engine"          our forward / training step on the tfjs backend
 *   part "engine-vs-torch" the same row through ../shared/reference/torch_reference.py
 *   part "engine-profile"  (--profile) where one training step's time goes, per kernel
 * Each row runs in its own process (see bench/child.ts), followed at once by its PyTorch
 * reference. `--threads 1,2` measures each row once per entry, the training step computed by
 * that many threads (FitOptions.threads; `train_threads` in the line; `--main-thread` has the
 * main thread compute one share). `npm run -s bench -- --precompute` times a frozen fit_one_cycle on
 * sign-language-digits, plain and on the frozen-body feature cache (bench/precompute.ts):
 *   part "precompute"          one line per fit: wall seconds, images/s, cache build images/s
 *                              and body threads, final error rate
 *   part "precompute-speedup"  plain wall time over each precomputed fit's (unless --no-plain)
 *   part "precompute-threads"  cache build images/s on n body threads over 1, best of each
 *                              setting's fits (--threads 1,2; repeat for noisy machines: 1,2,1,2)
 * `npm run -s bench -- --lesson` runs the lesson's plan through the headless runner on
 * clothing-small at 224 px (bench/lesson.ts), cold and then warm:
 *   part "lesson"              one line per stage (frozen, unfrozen) and cache (cold, warm):
 *                              wall seconds from the start, data loading included; error rate
 * `npm run -s bench -- --memory` trains ResNet-50 unfrozen at 224 px, bs 64 (bench/memory.ts):
 *   part "memory"              peak RSS, pass size, seconds per step, tensors left
 * `npm run -s bench -- --scaling` runs one frozen epoch (plain strategy) on 25 %, 50 % and 100 % of
 * clothing-small, each in its own process (bench/scaling.ts):
 *   part "scaling"             images, epoch seconds, images/s, peak RSS, tensors left
 * `npm run -s bench -- --show-batch` times a 3 × 3 show_batch and an eight-draw augmentation
 * preview at 224 px on clothing-small, as the worker answers them (bench/show-batch.ts):
 *   part "show-batch"          one line per request: kind, cold or warm pixel cache, ms
 * `npm run -s bench -- --import` (at the repository root) times a dataset import instead
 * (scripts/bench.mjs hands it to @studio/datasets), and `--web` the web server's answers for a
 * finished 37-class run (handed to @studio/web).
 * stdout carries JSON lines only (hence npm's -s); notes go to stderr.
 */
import { measureRowInChild } from './bench/child';
import { emit, loadavg, measureRow, note, round } from './bench/measure-row';
import { parseBenchOptions } from './bench/options';
import { runLessonBench } from './bench/lesson';
import { runMemoryBench } from './bench/memory';
import { runPrecomputeBench } from './bench/precompute';
import { runScalingBench } from './bench/scaling';
import { runShowBatchBench } from './bench/show-batch';
import { isTorchAvailable, runTorchReference } from './bench/torch';

const options = (() => {
  try {
    return parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    note((error as Error).message);
    process.exit(2);
  }
})();

if (options.part === 'precompute') {
  await runPrecomputeBench(options);
} else if (options.part === 'lesson') {
  runLessonBench({ sharedDir: options.sharedDir, backend: options.backend, ...options.lesson });
} else if (options.part === 'scaling') {
  runScalingBench({
    sharedDir: options.sharedDir,
    backend: options.backend,
    ...options.lesson,
    ...options.scaling,
  });
} else if (options.part === 'show-batch') {
  await runShowBatchBench({
    sharedDir: options.sharedDir,
    backend: options.backend,
    ...options.lesson,
  });
} else if (options.part === 'memory') {
  await runMemoryBench({
    sharedDir: options.sharedDir,
    backend: options.backend,
    ...options.memory,
  });
} else if (options.child) {
  await measureRow(options);
} else {
  const withTorch = options.torch ?? isTorchAvailable();
  if (options.torch == null) {
    note(withTorch ? 'PyTorch found: comparing.' : 'PyTorch not importable: skipping comparison.');
  }
  for (const row of options.rows) {
    const engineLines: Array<Record<string, unknown>> = [];
    let onnxLine: Record<string, unknown> | undefined;
    for (const trainThreads of options.trainThreads) {
      const { lines, error } = measureRowInChild(row, options, trainThreads);
      for (const line of lines) emit(line);
      onnxLine ??= lines.find((line) => line.part === 'engine-onnx');
      const ours = lines.find((line) => line.part === 'engine');
      if (ours != null) engineLines.push(ours);
      else if (!options.onnxOnly) {
        emit({
          part: 'engine',
          arch: row.arch,
          size: row.size,
          bs: row.bs,
          backend: options.backend,
          layers: options.layers,
          train_threads: trainThreads,
          error: error ?? 'no result',
          loadavg: loadavg(),
        });
      }
    }
    if (!withTorch) continue;
    note(`${row.arch} ${row.size}px bs${row.bs}: PyTorch reference…`);
    const torch = runTorchReference(
      options.torchReference,
      row,
      options.steps,
      options.torchThreads,
    );
    for (const ours of engineLines.length > 0 ? engineLines : [undefined]) {
      const [train, infer] = [ours?.train_img_s, ours?.infer_img_s] as Array<number | undefined>;
      const onnxInfer = onnxLine?.infer_img_s as number | undefined;
      emit({
        part: 'engine-vs-torch',
        arch: row.arch,
        size: row.size,
        bs: row.bs,
        backend: options.backend,
        layers: options.layers,
        train_threads: ours?.train_threads ?? null,
        train_img_s: train ?? null,
        infer_img_s: infer ?? null,
        torch_train_img_s: torch.train_img_s,
        torch_infer_img_s: torch.infer_img_s,
        train_ratio: train == null ? null : round(train / torch.train_img_s, 3),
        infer_ratio: infer == null ? null : round(infer / torch.infer_img_s, 3),
        onnx_infer_img_s: onnxInfer ?? null,
        onnx_infer_ratio: onnxInfer == null ? null : round(onnxInfer / torch.infer_img_s, 3),
        step_over_forward: ours?.step_over_forward ?? null,
        threads: ours?.threads ?? null,
        torch_threads: torch.threads,
        torch_engine: torch.engine,
        loadavg: loadavg(),
      });
    }
  }
}
