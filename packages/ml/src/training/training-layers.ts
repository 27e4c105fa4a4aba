/**
 * Faster, torch-faithful training-mode calls for three tfjs-layers 4.22 layer classes, installed
 * on the instances of one learner's model. Inference calls are left to tfjs-layers.
 *
 * Why: on wasm, tfjs's own gradients for BatchNorm (a Tile), ReLU6 (four boolean kernels), frozen
 * convs (fused conv2d computes every filter gradient) and Dense (a transposed matMul) took about
 * two thirds of a MobileNetV2 training step (profile in docs/benchmarks.md). The replacements compute the same forward values with gradients in a few float ops, and the
 * BatchNorm one keeps running statistics as PyTorch does (momentum 0.1, unbiased variance), as
 * fastai's models do.
 *
 * They read private fields of the layers (gamma, beta, kernel, strides…); a layer whose fields
 * are not as expected keeps its own call, and training-layers.test.ts compares each replacement
 * with the original, so a tfjs upgrade that changes them fails there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mixSeeds } from '../data/rng';

type Kwargs = Record<string, unknown>;
type Call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

interface LayerVar {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

interface BatchNormFields {
  axis: number;
  epsilon: number;
  gamma?: LayerVar | null;
  beta?: LayerVar | null;
  movingMean: LayerVar;
  movingVariance: LayerVar;
}

interface Activation {
  apply(x: tf.Tensor): tf.Tensor;
  getClassName(): string;
}

interface DenseFields {
  kernel: LayerVar;
  bias: LayerVar | null;
  activation: Activation;
}

interface Conv2DFields {
  rank: number;
  kernel: LayerVar;
  bias: LayerVar | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
  activation: Activation;
}

interface DepthwiseConv2DFields {
  depthwiseKernel: LayerVar;
  bias: LayerVar | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  activation: Activation;
}

export interface TrainingLayersOptions {
  /** PyTorch-style momentum of BatchNorm running statistics. Default 0.1. */
  bnMomentum?: number;
  /**
   * Seeds dropout: each call draws its mask from (seed, layer, call count), so a fit from the
   * same start repeats exactly. Without it tfjs draws from its global generator.
   */
  seed?: number;
  /**
   * Training calls made so far per seeded Dropout layer (by layer name), where its masks
   * continue; kept up to date. A learner saves and restores it, so a learner loaded in another
   * process draws new masks rather than those of its first batches again.
   */
  dropoutCalls?: Map<string, number>;
  /**
   * BatchNorm layers (by name) that normalise with their stored running statistics while
   * training, and leave them unchanged; their scale and offset still learn.
   */
  runningStatistics?: ReadonlySet<string>;
  /**
   * While set (to the adaptation batch's index), the `runningStatistics` layers measure the
   * data instead: they normalise with the batch's statistics and move their running ones
   * towards them with `bnMomentum`, as a plain frozen fit's batches would. Read at each call,
   * so a learner switches it on for its adaptation passes only.
   */
  adaptingBatch?: number | null;
  /**
   * Free, in each training call, the inputs a layer alone reads (see `soleInputs`): a training
   * step's memory. Default true; false only to compare.
   */
  freeIntermediates?: boolean;
}

const installed = new WeakSet<tfl.layers.Layer>();

/**
 * Replaces the training-mode call of every BatchNormalization, ReLU(max 6), Conv2D,
 * DepthwiseConv2D, Dense and GlobalMaxPooling2D given, and of Dropout when seeded. Every layer
 * given also frees, in a training call, the inputs it alone reads (see `soleInputs`).
 */
export function installTrainingLayers(
  layers: readonly tfl.layers.Layer[],
  options: TrainingLayersOptions = {},
): number {
  const momentum = options.bnMomentum ?? 0.1;
  const dropoutCalls = options.dropoutCalls ?? new Map<string, number>();
  const free = options.freeIntermediates ?? true;
  let count = 0;
  for (const [index, layer] of layers.entries()) {
    if (installed.has(layer)) continue;
    const seed = options.seed == null ? null : mixSeeds(options.seed, index);
    const useRunning = options.runningStatistics?.has(layer.name) ?? false;
    const train = trainingCall(layer, momentum, seed, dropoutCalls, useRunning, options);
    const original: Call = layer.call.bind(layer) as Call;
    // A replacement returns null for inputs it does not handle (a Dense on rank-3 input).
    (layer as unknown as { call: Call }).call = (inputs, kwargs) => {
      if (kwargs?.['training'] !== true) return original(inputs, kwargs);
      const output = (train == null ? null : train(single(inputs))) ?? original(inputs, kwargs);
      if (free) freeInputs(inputs, soleInputs(layer), output);
      return output;
    };
    installed.add(layer);
    if (train != null) count++;
  }
  return count;
}

/**
 * Positions of the layer's inputs that no other layer of its graph reads and that are not the
 * graph's inputs: made inside the model for this layer alone. tfjs-layers keeps every
 * intermediate of a training forward pass until the pass ends (in inference it frees them as it
 * goes), though a gradient needs only the tensors its kernels saved, which hold their own
 * references to the data. Freeing these where they are read lowers a step's peak memory (on
 * wasm, what bounds the images per pass). None for a layer applied more than once.
 */
function soleInputs(layer: tfl.layers.Layer): number[] {
  if (layer.inboundNodes.length !== 1) return [];
  const inputs = layer.inboundNodes[0]!.inputTensors;
  return inputs.flatMap((input, position) => {
    const producer = input.sourceLayer;
    if (producer == null || producer.getClassName() === 'InputLayer') return [];
    if (producer.inboundNodes.length !== 1) return [];
    const readers = producer.outboundNodes.filter((node) =>
      node.inputTensors.some((t) => t.id === input.id),
    );
    const readOnce = inputs.filter((t) => t.id === input.id).length === 1;
    return readers.length === 1 && readers[0]!.outboundLayer === layer && readOnce
      ? [position]
      : [];
  });
}

function freeInputs(
  inputs: tf.Tensor | tf.Tensor[],
  positions: readonly number[],
  output: tf.Tensor | tf.Tensor[],
): void {
  const given = Array.isArray(inputs) ? inputs : [inputs];
  const outputs = Array.isArray(output) ? output : [output];
  for (const position of positions) {
    const input = given[position];
    // A layer may hand its input back (an identity); it then lives on as the output.
    if (input != null && !input.isDisposed && !outputs.includes(input)) input.dispose();
  }
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

function trainingCall(
  layer: tfl.layers.Layer,
  momentum: number,
  seed: number | null,
  dropoutCalls: Map<string, number>,
  useRunningStatistics: boolean,
  options: TrainingLayersOptions,
): ((x: tf.Tensor) => tf.Tensor | null) | null {
  const f = layer as unknown as Record<string, unknown>;
  switch (layer.getClassName()) {
    case 'BatchNormalization': {
      const bn = f as unknown as BatchNormFields;
      const rankOk = bn.axis === -1 || bn.axis === (layer.inputSpec?.[0]?.ndim ?? 0) - 1;
      if (!rankOk || bn.gamma == null || bn.beta == null || bn.movingMean == null) return null;
      if (!useRunningStatistics) return (x: tf.Tensor) => batchNormTraining(x, bn, momentum);
      return (x: tf.Tensor) => {
        const k = options.adaptingBatch;
        return k == null ? batchNormRunning(x, bn) : batchNormTraining(x, bn, momentum);
      };
    }
    case 'ReLU': {
      const maxValue = f['maxValue'];
      if (typeof maxValue !== 'number') return null;
      return (x: tf.Tensor) => clippedRelu(x, maxValue);
    }
    case 'Conv2D': {
      const c = f as unknown as Conv2DFields;
      if (c.rank !== 2 || c.dataFormat !== 'channelsLast' || c.kernel == null) return null;
      if (c.padding !== 'same' && c.padding !== 'valid') return null;
      return (x: tf.Tensor) => conv2dTraining(x as tf.Tensor4D, c);
    }
    case 'DepthwiseConv2D': {
      const c = f as unknown as DepthwiseConv2DFields;
      if (c.dataFormat !== 'channelsLast' || c.depthwiseKernel == null) return null;
      if (c.padding !== 'same' && c.padding !== 'valid') return null;
      return (x: tf.Tensor) => depthwiseConv2dTraining(x as tf.Tensor4D, c);
    }
    case 'GlobalMaxPooling2D': {
      if (f['dataFormat'] !== 'channelsLast') return null;
      return (x: tf.Tensor) => globalMaxPool(x as tf.Tensor4D);
    }
    case 'Dense': {
      const d = f as unknown as DenseFields;
      if (d.kernel == null) return null;
      return (x: tf.Tensor) => (x.rank === 2 ? denseTraining(x as tf.Tensor2D, d) : null);
    }
    case 'Dropout': {
      const rate = f['rate'];
      if (seed == null || typeof rate !== 'number' || f['noiseShape'] != null) return null;
      // A fixed tfjs-layers seed would repeat one mask every batch; this one moves per call.
      return (x: tf.Tensor) => {
        const calls = dropoutCalls.get(layer.name) ?? 0;
        dropoutCalls.set(layer.name, calls + 1);
        return tf.dropout(x, rate, undefined, mixSeeds(seed, calls));
      };
    }
    default:
      return null;
  }
}

/**
 * Batch statistics over every axis but the last, with a gradient written out
 * (dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))); updates the running statistics as torch does.
 * Per-channel affine steps go through tf.batchNorm, which wasm runs ~3× faster than a
 * broadcast multiply and add.
 */
function batchNormTraining(x: tf.Tensor, bn: BatchNormFields, momentum: number): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.size / x.shape.at(-1)!;
  const eps = bn.epsilon;
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(input, axes);
    const xHat = tf.batchNorm(input, mean, variance, undefined, undefined, eps);
    updateRunning(bn.movingMean, mean, momentum);
    updateRunning(bn.movingVariance, tf.mul(variance, n / Math.max(n - 1, 1)), momentum);
    save([xHat, tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)))]);
    return {
      value: affine(xHat, gamma, beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedXHat, scale] = saved as [tf.Tensor, tf.Tensor1D];
        const dBeta = tf.sum(dy, axes) as tf.Tensor1D;
        const dGamma = tf.sum(tf.mul(dy, savedXHat), axes) as tf.Tensor1D;
        const projection = affine(
          savedXHat,
          tf.div(dGamma, n) as tf.Tensor1D,
          tf.div(dBeta, n) as tf.Tensor1D,
        );
        return [affine(tf.sub(dy, projection), scale), dGamma, dBeta];
      },
    };
  });
  return normalize(x, bn.gamma!.read(), bn.beta!.read());
}

/**
 * Normalises with the layer's running statistics (as in inference) and leaves them as they are;
 * gradients reach the input, γ and β.
 */
function batchNormRunning(x: tf.Tensor, bn: BatchNormFields): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const eps = bn.epsilon;
  const mean = bn.movingMean.read() as tf.Tensor1D;
  const variance = bn.movingVariance.read() as tf.Tensor1D;
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    save([input, gamma]);
    return {
      value: tf.batchNorm(input, mean, variance, beta, gamma, eps),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedInput, savedGamma] = saved as [tf.Tensor, tf.Tensor1D];
        const xHat = tf.batchNorm(savedInput, mean, variance, undefined, undefined, eps);
        const scale = tf.mul(savedGamma, tf.rsqrt(tf.add(variance, eps))) as tf.Tensor1D;
        return [affine(dy, scale), tf.sum(tf.mul(dy, xHat), axes), tf.sum(dy, axes)];
      },
    };
  });
  return normalize(x, bn.gamma!.read(), bn.beta!.read());
}

/** x · scale + offset per channel (last axis), as one batchNorm kernel with mean 0, variance 1. */
function affine(x: tf.Tensor, scale: tf.Tensor1D, offset?: tf.Tensor1D): tf.Tensor {
  const channels = x.shape.at(-1)!;
  return tf.batchNorm(x, tf.zeros([channels]), tf.ones([channels]), offset, scale, 0);
}

function updateRunning(variable: LayerVar, batchValue: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.add(current, tf.mul(tf.sub(batchValue, current), momentum)));
  });
}

/** min(max(x, 0), maxValue) whose gradient is one mask, not four boolean kernels. */
function clippedRelu(x: tf.Tensor, maxValue: number): tf.Tensor {
  const clip = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const y = tf.clipByValue(input, 0, maxValue);
    save([y]);
    return {
      value: y,
      // y·(max − y) > 0 exactly where 0 < x < max, where the gradient passes.
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.mul(dy, tf.step(tf.mul(saved!, tf.sub(maxValue, saved!)))),
    };
  });
  return clip(x);
}

/** Unfused conv: tfjs computes only the gradients that are needed (none for a frozen kernel). */
function conv2dTraining(x: tf.Tensor4D, c: Conv2DFields): tf.Tensor {
  let y: tf.Tensor = tf.conv2d(
    x,
    c.kernel.read() as tf.Tensor4D,
    c.strides,
    c.padding as 'same' | 'valid',
    'NHWC',
    c.dilationRate,
  );
  if (c.bias != null) y = tf.add(y, c.bias.read());
  return activate(y, c.activation);
}

/** As tfjs-layers' depthwise conv call (which has no dilation), with `activate`'s activations. */
function depthwiseConv2dTraining(x: tf.Tensor4D, c: DepthwiseConv2DFields): tf.Tensor {
  let y: tf.Tensor = tf.depthwiseConv2d(
    x,
    c.depthwiseKernel.read() as tf.Tensor4D,
    c.strides,
    c.padding as 'same' | 'valid',
  );
  if (c.bias != null) y = tf.add(y, c.bias.read());
  return activate(y, c.activation);
}

function activate(y: tf.Tensor, activation: Activation): tf.Tensor {
  const name = activation.getClassName();
  if (name === 'linear') return y;
  // tfjs-layers' relu6 is minimum(relu(x), 6), whose gradients are four broadcast kernels
  // that took a fifth of a MobileNetV2 training step on wasm.
  if (name === 'relu6') return clippedRelu(y, 6);
  return activation.apply(y);
}

/**
 * Max over height and width; the gradient mask (x = max) comes from 1 − step(max − x), since
 * wasm's broadcasting Equal is ~60× slower than a broadcasting Sub.
 */
function globalMaxPool(x: tf.Tensor4D): tf.Tensor {
  const pool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const max = tf.max(input, [1, 2], true);
    save([input, max]);
    return {
      value: tf.reshape(max, [input.shape[0], input.shape[3]]),
      gradFunc: (dy: tf.Tensor, [savedX, savedMax]: tf.Tensor[]) => {
        const isMax = tf.sub(1, tf.step(tf.sub(savedMax!, savedX!)));
        return tf.mul(isMax, tf.reshape(dy, savedMax!.shape));
      },
    };
  });
  return pool(x);
}

/** x·W (+ b) whose gradients multiply by explicitly transposed operands. */
function denseTraining(x: tf.Tensor2D, d: DenseFields): tf.Tensor {
  const matMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([a, w]);
    return {
      value: tf.matMul(a, w),
      gradFunc: (dy: tf.Tensor, [savedA, savedW]: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(savedW!) as tf.Tensor2D),
        tf.matMul(tf.transpose(savedA!) as tf.Tensor2D, dy as tf.Tensor2D),
      ],
    };
  });
  let y: tf.Tensor = matMul(x, d.kernel.read());
  if (d.bias != null) y = tf.add(y, d.bias.read());
  return activate(y, d.activation);
}
