import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index';
import { installTrainingLayers } from '../../src/learner/index';
import { flattenLayers } from '../../src/models/index';
import { cpuNowMs, makeBatch, makeTrainStep, measureEngine } from './engine';
import { buildBenchModel } from './models';
import { inferenceEngine, openOnnxForward } from '../../src/onnx/onnx-forward';
import type { BenchOptions, BenchRow } from './options';
import { groupTimes, profileKernels } from './profile';

export const note = (message: string) => process.stderr.write(`${message}\n`);
export const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
export const round = (n: number, digits = 1) => +n.toFixed(digits);
export const loadavg = () => os.loadavg().map((n) => round(n, 2));

/** One training step broken down per kernel in CPU ms, as engine-profile lines. */
function profileRow(row: BenchRow, model: tfl.LayersModel, tfjsBackend: string): void {
  const { x, y, labels } = makeBatch(row.bs, row.size);
  const step = makeTrainStep(model, x, y);
  step.run(); // warm-up, so operator creation and first-use allocation are not counted
  const { kernels, totalMs } = profileKernels(tfjsBackend, step.phase, cpuNowMs, () => step.run());
  step.dispose();
  tf.dispose([x, y, labels]);
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

/**
 * The inference forward on ONNX Runtime, as the studio runs it (onnx-forward.ts): conversion
 * and session start once, then `steps` timed batches after one warm-up, tensors in and out
 * included.
 */
async function measureOnnx(row: BenchRow, model: tfl.LayersModel, steps: number): Promise<void> {
  const started = performance.now();
  const onnx = await openOnnxForward(model);
  const openMs = performance.now() - started;
  const { x, y, labels } = makeBatch(row.bs, row.size);
  const run = async () => (await onnx.forward(x)).dispose();
  await run();
  const cpuStart = cpuNowMs();
  const wallStart = performance.now();
  for (let i = 0; i < steps; i++) await run();
  const wallMs = (performance.now() - wallStart) / steps;
  const cpuMs = (cpuNowMs() - cpuStart) / steps;
  await onnx.close();
  tf.dispose([x, y, labels]);
  emit({
    part: 'engine-onnx',
    arch: row.arch,
    size: row.size,
    bs: row.bs,
    forward_ms: round(wallMs),
    forward_cpu_ms: round(cpuMs),
    infer_img_s: round((row.bs * 1000) / wallMs, 2),
    convert_and_open_ms: round(openMs),
    steps,
    engine: (await inferenceEngine()).detail,
    loadavg: loadavg(),
  });
}

/** Measures the first row of `options` in this process: an engine line, then any profile lines. */
export async function measureRow(options: BenchOptions): Promise<void> {
  const row = options.rows[0]!;
  const backend = await initBackend({
    prefer: options.backend,
    wasmThreads: options.wasmThreads,
    log: note,
  });
  const threads =
    backend.name === 'wasm' ? (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount() : 1;
  note(`${row.arch} ${row.size}px bs${row.bs}: building…`);
  const model = await buildBenchModel(row, options.sharedDir);
  if (options.layers === 'learner') installTrainingLayers(flattenLayers(model));
  // First, so a row whose tfjs training step runs out of wasm heap still reports it.
  await measureOnnx(row, model, options.steps);
  if (options.onnxOnly) {
    model.dispose();
    return;
  }
  const trainThreads = options.trainThreads[0] ?? 1;
  const { times, leakedTensors } = await measureEngine(model, row.bs, row.size, options.steps, {
    threads: trainThreads,
    useMainThread: options.useMainThread,
  });
  if (leakedTensors !== 0) note(`warning: ${leakedTensors} tensors leaked by the measured steps`);
  const { forward, forwardTrain, trainStep } = times;
  const heap = (tf.engine().backend as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
  emit({
    part: 'engine',
    arch: row.arch,
    size: row.size,
    bs: row.bs,
    backend: backend.name,
    layers: options.layers,
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
    // wasm32's heap stops at 4 GB; a training step needs every activation the tape saves.
    ...(heap != null ? { wasm_heap_mb: round(heap.HEAPU8.length / 2 ** 20, 0) } : {}),
    steps: options.steps,
    threads,
    // Threads computing the training step (data-parallel above 1); `threads` is wasm's own.
    train_threads: trainThreads,
    // Threads computing the inference forward: the training threads, each on its share.
    infer_threads: trainThreads,
    ...(trainThreads > 1 ? { main_thread_share: options.useMainThread } : {}),
    loadavg: loadavg(),
    tfjs: tf.version_core,
  });
  if (options.profile) profileRow(row, model, backend.tfjsName);
  model.dispose();
}
