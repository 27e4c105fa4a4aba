import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AdamW, crossEntropy } from '../../src/learner/index';
import { DataParallel } from '../../src/learner/data-parallel';
import { weightKey } from '../../src/training/weight-key';
import { flattenLayers } from '../../src/models/index';
import { NUM_CLASSES } from './models';

/** Mean milliseconds of one run, by the clock and in this process's CPU time. */
export interface RunTime {
  wallMs: number;
  /**
   * CPU time (user + system, all of this process's threads). On a shared machine the wall
   * time also counts the time other work held the core; the CPU time mostly does not.
   */
  cpuMs: number;
  /** Fastest single run by the clock: a hint of how much the mean was hurt by other load. */
  minWallMs: number;
}

export interface EngineTimes {
  /** One inference-mode forward of the batch. */
  forward: RunTime;
  /** One training-mode forward (BatchNorm on batch statistics, updating its stats). */
  forwardTrain: RunTime;
  /** One training step: forward + loss + backward + AdamW. */
  trainStep: RunTime;
}

export interface TrainStep {
  /** One step; returns the loss. */
  run: () => number;
  /** Where the step is: 'forward', 'backward' or 'optimizer' (for the per-kernel profile). */
  phase: () => string;
  dispose: () => void;
}

/** A training step on a fixed batch, as torch_reference.py's `train_step`. */
export function makeTrainStep(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): TrainStep {
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // The learner's optimiser, with torch_reference.py's settings (torch.optim.AdamW defaults).
  const params = trainable.map((variable) => ({ key: variable.name, variable }));
  const optimizer = new AdamW([params], { beta2: 0.999, eps: 1e-8, wd: 1e-2 });
  optimizer.lr = [1e-3];
  let phase = 'forward';
  const run = () => {
    phase = 'forward';
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      const loss = tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      phase = 'backward';
      return loss;
    }, trainable);
    phase = 'optimizer';
    optimizer.step(grads);
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  };
  return { run, phase: () => phase, dispose: () => optimizer.dispose() };
}

/** Threads computing a training step (FitOptions.threads and useMainThread). */
export interface StepThreads {
  threads: number;
  useMainThread: boolean;
}

/**
 * The same step with its gradients computed by `threads` threads, each on a share of the batch
 * (the learner's data-parallel step); its loss is the learner's, on integer labels.
 */
export async function openParallelTrainStep(
  model: tfl.LayersModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  { threads, useMainThread }: StepThreads,
) {
  const params = flattenLayers(model).flatMap((layer) =>
    layer.trainableWeights.map((w) => ({
      key: weightKey(layer, w),
      variable: w.read() as tf.Variable,
    })),
  );
  const optimizer = new AdamW([params], { beta2: 0.999, eps: 1e-8, wd: 1e-2 });
  optimizer.lr = [1e-3];
  const parallel = await DataParallel.open(
    {
      model,
      params,
      classes: NUM_CLASSES,
      trainingLayers: {},
      loss: (xs, ys) =>
        tf.tidy(() =>
          crossEntropy(model.apply(xs, { training: true }) as tf.Tensor, ys, NUM_CLASSES),
        ),
      split: null,
    },
    { threads, useMainThread, microBatch: 'off' },
  );
  return {
    /** An inference pass's forward on the same threads (the fit's validation). */
    inference: () => parallel.inference(),
    run: async () => {
      const { value, grads } = await parallel.gradients(x, labels);
      optimizer.step(grads);
      const loss = (await value.data())[0]!;
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    },
    dispose: async () => {
      optimizer.dispose();
      await parallel.close();
    },
  };
}

/**
 * Random input and labels of a row: NHWC normal noise, one-hot targets over 10 classes and the
 * same as class indices.
 */
export function makeBatch(bs: number, size: number) {
  const x = tf.randomNormal([bs, size, size, 3], 0, 1, 'float32', 0) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: bs }, (_, i) => (i * 7) % NUM_CLASSES),
    'int32',
  );
  const y = tf.cast(tf.oneHot(labels, NUM_CLASSES), 'float32') as tf.Tensor2D;
  return { x, y, labels };
}

export function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function timeRuns(runs: number, run: () => unknown): Promise<RunTime> {
  const wall: number[] = [];
  const cpuStart = cpuNowMs();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    wall.push(performance.now() - start);
  }
  return {
    wallMs: wall.reduce((a, b) => a + b, 0) / runs,
    cpuMs: (cpuNowMs() - cpuStart) / runs,
    minWallMs: Math.min(...wall),
  };
}

/** Forward only, reading the logits back so the (synchronous or not) backend has finished. */
function forwardOnce(model: tfl.LayersModel, x: tf.Tensor, training: boolean): void {
  const logits = tf.tidy(() => model.apply(x, { training }) as tf.Tensor);
  logits.dataSync();
  logits.dispose();
}

/**
 * torch_reference.py's protocol: one warm-up training step, `steps` timed steps; then the
 * same for inference. The training-mode forward, needed for step/forward, is timed the same way.
 * With `threads` > 1 the training step is the data-parallel one (its workers start before the
 * warm-up step), and so is the inference forward (the fit's validation on the same workers);
 * the training-mode forward, the denominator of step/forward, stays in the main thread.
 */
export async function measureEngine(
  model: tfl.LayersModel,
  bs: number,
  size: number,
  steps: number,
  threads: StepThreads = { threads: 1, useMainThread: false },
) {
  const { x, y, labels } = makeBatch(bs, size);
  const startTensors = tf.memory().numTensors;
  const step =
    threads.threads > 1
      ? await openParallelTrainStep(model, x, labels, threads)
      : makeTrainStep(model, x, y);
  await step.run();
  const trainStep = await timeRuns(steps, step.run);
  forwardOnce(model, x, true);
  const forwardTrain = await timeRuns(steps, () => forwardOnce(model, x, true));
  let forward: RunTime;
  if ('inference' in step) {
    const parallelForward = await step.inference();
    const once = async () => {
      const logits = await parallelForward(x);
      await logits.data();
      logits.dispose();
    };
    await once();
    forward = await timeRuns(steps, once);
  } else {
    forwardOnce(model, x, false);
    forward = await timeRuns(steps, () => forwardOnce(model, x, false));
  }
  await step.dispose();
  const leaked = tf.memory().numTensors - startTensors;
  tf.dispose([x, y, labels]);
  const times: EngineTimes = { forward, forwardTrain, trainStep };
  return { times, leakedTensors: leaked };
}
