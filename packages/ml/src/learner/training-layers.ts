/**
 * Faster, torch-faithful training-mode calls for three tfjs-layers 4.22 layer classes, installed
 * on the instances of one learner's model. Inference calls are left to tfjs-layers.
 *
 * Why: measured on wasm with MobileNetV2 (bs 32, 96 px), a training step spent ~1.6 s of ~5 s in
 * `Tile` from tfjs's BatchNorm gradient, ~0.8 s in ClipByValue's gradient (four boolean kernels
 * per ReLU6) and ~0.4 s computing filter gradients of frozen convs (tfjs's fused conv2d has a
 * custom gradient that always computes all of them). The replacements compute the same forward
 * values with gradients in a few broadcasting float ops, and the BatchNorm one keeps running
 * statistics as PyTorch does (momentum 0.1, unbiased variance), as fastai's models do.
 *
 * They read private fields of the layers (gamma, beta, kernel, strides…); a layer whose fields
 * are not as expected keeps its own call, and training-layers.test.ts compares each replacement
 * with the original, so a tfjs upgrade that changes them fails there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

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

interface Conv2DFields {
  rank: number;
  kernel: LayerVar;
  bias: LayerVar | null;
  strides: [number, number];
  padding: string;
  dataFormat: string;
  dilationRate: [number, number];
  activation: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string };
}

export interface TrainingLayersOptions {
  /** PyTorch-style momentum of BatchNorm running statistics. Default 0.1. */
  bnMomentum?: number;
}

const installed = new WeakSet<tfl.layers.Layer>();

/** Replaces the training-mode call of every BatchNormalization, ReLU(max 6) and Conv2D given. */
export function installTrainingLayers(
  layers: readonly tfl.layers.Layer[],
  options: TrainingLayersOptions = {},
): number {
  const momentum = options.bnMomentum ?? 0.1;
  let count = 0;
  for (const layer of layers) {
    if (installed.has(layer)) continue;
    const train = trainingCall(layer, momentum);
    if (train == null) continue;
    const original: Call = layer.call.bind(layer) as Call;
    (layer as unknown as { call: Call }).call = (inputs, kwargs) =>
      kwargs?.['training'] === true ? train(single(inputs)) : original(inputs, kwargs);
    installed.add(layer);
    count++;
  }
  return count;
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

function trainingCall(layer: tfl.layers.Layer, momentum: number) {
  const f = layer as unknown as Record<string, unknown>;
  switch (layer.getClassName()) {
    case 'BatchNormalization': {
      const bn = f as unknown as BatchNormFields;
      const rankOk = bn.axis === -1 || bn.axis === (layer.inputSpec?.[0]?.ndim ?? 0) - 1;
      if (!rankOk || bn.gamma == null || bn.beta == null || bn.movingMean == null) return null;
      return (x: tf.Tensor) => batchNormTraining(x, bn, momentum);
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
    default:
      return null;
  }
}

/**
 * Batch statistics over every axis but the last, with a gradient written out
 * (dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))); updates the running statistics as torch does.
 */
function batchNormTraining(x: tf.Tensor, bn: BatchNormFields, momentum: number): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.size / x.shape.at(-1)!;
  const eps = bn.epsilon;
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(input, axes);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xHat = tf.mul(tf.sub(input, mean), invStd);
    updateRunning(bn.movingMean, mean, momentum);
    updateRunning(bn.movingVariance, tf.mul(variance, n / Math.max(n - 1, 1)), momentum);
    save([xHat, tf.mul(gamma, invStd)]);
    return {
      value: tf.add(tf.mul(xHat, gamma), beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedXHat, scale] = saved as [tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, savedXHat), axes);
        const centred = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(savedXHat, tf.div(dGamma, n)));
        return [tf.mul(centred, scale), dGamma, dBeta];
      },
    };
  });
  return normalize(x, bn.gamma!.read(), bn.beta!.read());
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
  return c.activation.getClassName() === 'Linear' ? y : c.activation.apply(y);
}
