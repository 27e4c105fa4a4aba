import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AdamW } from '../../src/learner/index';
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

/** Random input and labels of a row: NHWC normal noise, one-hot targets over 10 classes. */
export function makeBatch(bs: number, size: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = tf.randomNormal([bs, size, size, 3], 0, 1, 'float32', 0) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: bs }, (_, i) => (i * 7) % NUM_CLASSES),
    'int32',
  );
  const y = tf.cast(tf.oneHot(labels, NUM_CLASSES), 'float32') as tf.Tensor2D;
  labels.dispose();
  return { x, y };
}

export function cpuNowMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeRuns(runs: number, run: () => void): RunTime {
  const wall: number[] = [];
  const cpuStart = cpuNowMs();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
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
 */
export function measureEngine(model: tfl.LayersModel, bs: number, size: number, steps: number) {
  const { x, y } = makeBatch(bs, size);
  const startTensors = tf.memory().numTensors;
  const step = makeTrainStep(model, x, y);
  step.run();
  const trainStep = timeRuns(steps, step.run);
  forwardOnce(model, x, true);
  const forwardTrain = timeRuns(steps, () => forwardOnce(model, x, true));
  forwardOnce(model, x, false);
  const forward = timeRuns(steps, () => forwardOnce(model, x, false));
  step.dispose();
  const leaked = tf.memory().numTensors - startTensors;
  tf.dispose([x, y]);
  const times: EngineTimes = { forward, forwardTrain, trainStep };
  return { times, leakedTensors: leaked };
}
