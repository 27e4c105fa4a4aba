import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AdamW } from './adamw';
import { NUM_CLASSES } from './models';

export interface EngineTimes {
  /** Mean ms of one inference-mode forward of the batch. */
  forwardMs: number;
  /** Mean ms of one training-mode forward (BatchNorm on batch statistics, updating its stats). */
  forwardTrainMs: number;
  /** Mean ms of one training step: forward + loss + backward + AdamW. */
  trainStepMs: number;
  /** Fastest single training step, a hint of how much the mean was hurt by other load. */
  trainStepMinMs: number;
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
  const optimizer = new AdamW();
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
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
    optimizer.apply(new Map(trainable.map((v) => [v, grads[v.name]!])));
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

function timeRuns(runs: number, run: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return times;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

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
  const trainStep = makeTrainStep(model, x, y);
  trainStep.run();
  const stepTimes = timeRuns(steps, trainStep.run);
  forwardOnce(model, x, true);
  const forwardTrain = timeRuns(steps, () => forwardOnce(model, x, true));
  forwardOnce(model, x, false);
  const forward = timeRuns(steps, () => forwardOnce(model, x, false));
  trainStep.dispose();
  const leaked = tf.memory().numTensors - startTensors;
  tf.dispose([x, y]);
  const times: EngineTimes = {
    forwardMs: mean(forward),
    forwardTrainMs: mean(forwardTrain),
    trainStepMs: mean(stepTimes),
    trainStepMinMs: Math.min(...stepTimes),
  };
  return { times, leakedTensors: leaked };
}
