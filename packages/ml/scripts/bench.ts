/**
 * Benchmarks (DESIGN.md §8): scripts that print JSON lines, compared with PyTorch in the same
 * sitting. `npm run bench -- --engine` times the learner's engine, one row per network:
 *   part "engine"          our forward / training step on the tfjs backend
 *   part "engine-vs-torch" the same row through ../shared/reference/torch_reference.py
 *   part "engine-profile"  (--profile) where one training step's time goes, per kernel
 * stdout carries JSON lines only; notes go to stderr.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index';
import { cpuNowMs, makeBatch, makeTrainStep, measureEngine } from './bench/engine';
import { buildBenchModel } from './bench/models';
import { parseBenchOptions, type BenchRow } from './bench/options';
import { groupTimes, profileKernels } from './bench/profile';
import { isTorchAvailable, runTorchReference } from './bench/torch';

const note = (message: string) => process.stderr.write(`${message}\n`);
const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const round = (n: number, digits = 1) => +n.toFixed(digits);
const loadavg = () => os.loadavg().map((n) => round(n, 2));

const options = parseBenchOptions(process.argv.slice(2));
const backend = await initBackend({ prefer: options.backend, log: note });
const threads =
  backend.name === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 1;
const withTorch = options.torch ?? isTorchAvailable();
if (options.torch == null) {
  note(withTorch ? 'PyTorch found: comparing.' : 'PyTorch not importable: skipping comparison.');
}

/** One training step broken down per kernel in CPU ms, as engine-profile lines. */
function profileRow(row: BenchRow, model: Awaited<ReturnType<typeof buildBenchModel>>): void {
  const { x, y } = makeBatch(row.bs, row.size);
  const step = makeTrainStep(model, x, y);
  step.run(); // warm-up, so operator creation and first-use allocation are not counted
  const { kernels, totalMs } = profileKernels(backend.tfjsName, step.phase, cpuNowMs, () =>
    step.run(),
  );
  step.dispose();
  tf.dispose([x, y]);
  const base = { part: 'engine-profile', arch: row.arch, size: row.size, bs: row.bs };
  const kernelMs = kernels.reduce((sum, k) => sum + k.ms, 0);
  const phaseOf = (context: string) => (context.startsWith('grad:') ? 'backward' : context);
  for (const group of groupTimes(kernels, (k) => phaseOf(k.context))) {
    emit({ ...base, phase: group.key, ms: round(group.ms), calls: group.calls });
  }
  emit({
    ...base,
    phase: 'outside kernels',
    ms: round(totalMs - kernelMs),
    total_ms: round(totalMs),
  });
  for (const group of groupTimes(kernels, (k) => k.context).slice(0, 15)) {
    emit({ ...base, context: group.key, ms: round(group.ms), calls: group.calls });
  }
  for (const k of kernels.slice(0, 25)) {
    emit({ ...base, context: k.context, kernel: k.kernel, ms: round(k.ms), calls: k.calls });
  }
}

for (const row of options.rows) {
  note(`${row.arch} ${row.size}px bs${row.bs}: building…`);
  const model = await buildBenchModel(row, options.sharedDir);
  const { times, leakedTensors } = measureEngine(model, row.bs, row.size, options.steps);
  if (leakedTensors !== 0) note(`warning: ${leakedTensors} tensors leaked by the measured steps`);
  const { forward, forwardTrain, trainStep } = times;
  const ours = {
    arch: row.arch,
    size: row.size,
    bs: row.bs,
    backend: backend.name,
    forward_ms: round(forward.wallMs),
    forward_train_ms: round(forwardTrain.wallMs),
    train_step_ms: round(trainStep.wallMs),
    train_step_min_ms: round(trainStep.minWallMs),
    train_img_s: round((row.bs * 1000) / trainStep.wallMs, 2),
    infer_img_s: round((row.bs * 1000) / forward.wallMs, 2),
    step_over_forward: round(trainStep.wallMs / forwardTrain.wallMs, 2),
    // The same in CPU time, steadier when other work shares the cores.
    forward_cpu_ms: round(forward.cpuMs),
    forward_train_cpu_ms: round(forwardTrain.cpuMs),
    train_step_cpu_ms: round(trainStep.cpuMs),
    step_over_forward_cpu: round(trainStep.cpuMs / forwardTrain.cpuMs, 2),
    steps: options.steps,
    threads,
    loadavg: loadavg(),
  };
  emit({ part: 'engine', ...ours, tfjs: tf.version_core });
  if (options.profile) profileRow(row, model);
  model.dispose();
  if (!withTorch) continue;
  note(`${row.arch} ${row.size}px bs${row.bs}: PyTorch reference…`);
  const torch = runTorchReference(options.torchReference, row, options.steps, options.torchThreads);
  emit({
    part: 'engine-vs-torch',
    arch: row.arch,
    size: row.size,
    bs: row.bs,
    backend: backend.name,
    train_img_s: ours.train_img_s,
    infer_img_s: ours.infer_img_s,
    torch_train_img_s: torch.train_img_s,
    torch_infer_img_s: torch.infer_img_s,
    train_ratio: round(ours.train_img_s / torch.train_img_s, 3),
    infer_ratio: round(ours.infer_img_s / torch.infer_img_s, 3),
    threads,
    torch_threads: torch.threads,
    torch_engine: torch.engine,
    loadavg: loadavg(),
  });
}
