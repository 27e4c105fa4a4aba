/**
 * fastai v1 Learner.predict (and, with `tta`, Learner.TTA) for an exported model: bytes are
 * decoded, resized and normalised exactly as the DataBunch prepares validation images (the same
 * decodeImage fit and buildEvalBatch), so an exported model scores as it did in training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { decodeImage, type Fit, type ResizeMode } from '../data/decode';
import { mapConcurrent } from '../data/image-cache';
import { cropOffset, cropPixels, type Pixels } from '../data/pixels';
import { buildEvalBatch } from '../data/train-batch';
import type { ExportedModel } from './load-export';

export interface PredictOptions {
  /**
   * Test-time augmentation (fastai v1 tta.py `_TTA`, beta 0.4, scale 1.35). The image is decoded
   * at 1.35·size as validation would decode it (centre crop / pad / squish), and eight views are
   * taken from that square: its four size×size corners (fastai's zoom 1.35 with row_pct, col_pct
   * in {0, 1}), each as is and flipped left-right. The result is
   * 0.4·p(plain) + 0.6·mean(p(view)). fastai also applies the remaining random training
   * transforms to the views; these views are deterministic instead, so results repeat.
   */
  tta?: boolean;
  /** Classes listed in `top`, best first; default 5 (at most the number of classes). */
  topK?: number;
  /** Images through the model at once; default 32. */
  bs?: number;
  /** Names of the images, used only in error messages (e.g. file paths). */
  names?: readonly string[];
}

export interface Prediction {
  label: string;
  index: number;
  /** One probability per class, in `classes` order; sums to 1. */
  probs: number[];
  top: { label: string; prob: number }[];
}

// The validation fit per resize mode (data-bunch.ts EVAL_FIT).
const EVAL_FIT: Record<ResizeMode, Fit> = { crop: 'cover', pad: 'pad', squish: 'squish' };

// fastai v1 tta.py _TTA(beta=0.4, scale=1.35)
export const TTA_BETA = 0.4;
export const TTA_SCALE = 1.35;
/** (rowPct, colPct) of fastai's views i = 0…3: row = i&1, col = i&2; each also flipped (i&4). */
const TTA_CORNERS: readonly [number, number][] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];

const DECODE_CONCURRENCY = 4;

export async function predict(
  exported: ExportedModel,
  imageBytes: Uint8Array,
  options: PredictOptions = {},
): Promise<Prediction> {
  const [prediction] = await predictBatch(exported, [imageBytes], options);
  return prediction!;
}

/** Predictions for many images, in order, `bs` at a time. */
export async function predictBatch(
  exported: ExportedModel,
  images: readonly Uint8Array[],
  options: PredictOptions = {},
): Promise<Prediction[]> {
  const bs = options.bs ?? 32;
  if (!Number.isInteger(bs) || bs < 1)
    throw new Error(`bs must be a positive integer, received ${bs}.`);
  const c = exported.classes.length;
  const topK = Math.min(options.topK ?? 5, c);
  const isProbabilities = endsInSoftmax(exported.model);
  const predictions: Prediction[] = [];
  for (let start = 0; start < images.length; start += bs) {
    const chunk = images.slice(start, start + bs);
    const decode = (side: number) =>
      mapConcurrent(chunk, DECODE_CONCURRENCY, (bytes, i) =>
        decodeOne(bytes, side, exported, options.names?.[start + i] ?? `image ${start + i}`),
      );
    const run = (pixels: readonly Pixels[], flip = false) =>
      runModel(exported, pixels, flip, isProbabilities);
    let probs = await run(await decode(exported.preprocessing.size));
    if (options.tta)
      probs = blendTta(
        probs,
        await runTtaViews(await decode(ttaSide(exported)), exported.preprocessing.size, run),
      );
    for (let i = 0; i < chunk.length; i++) {
      predictions.push(
        toPrediction(Array.from(probs.subarray(i * c, (i + 1) * c)), exported.classes, topK),
      );
    }
  }
  return predictions;
}

const ttaSide = (exported: ExportedModel) => Math.round(exported.preprocessing.size * TTA_SCALE);

/** Sum over the eight TTA views of the probabilities the model gives them. */
async function runTtaViews(
  big: readonly Pixels[],
  size: number,
  run: (pixels: readonly Pixels[], flip?: boolean) => Promise<Float32Array>,
): Promise<Float32Array> {
  let sum: Float32Array | undefined;
  for (const [rowPct, colPct] of TTA_CORNERS) {
    const views = big.map((p) =>
      cropPixels(
        p,
        cropOffset(p.width, size, colPct),
        cropOffset(p.height, size, rowPct),
        size,
        size,
      ),
    );
    for (const flip of [false, true]) {
      const probs = await run(views, flip);
      sum = sum == null ? probs : sum.map((v, j) => v + probs[j]!);
    }
  }
  return sum!;
}

function blendTta(plain: Float32Array, viewSum: Float32Array): Float32Array {
  const views = TTA_CORNERS.length * 2;
  return plain.map((p, j) => TTA_BETA * p + ((1 - TTA_BETA) * viewSum[j]!) / views);
}

/** An input that is not an image sharp can decode; `cause` holds sharp's error. */
export class ImageDecodeError extends Error {}

async function decodeOne(bytes: Uint8Array, side: number, exported: ExportedModel, name: string) {
  try {
    return await decodeImage(bytes, side, EVAL_FIT[exported.preprocessing.resizeMode]);
  } catch (error) {
    throw new ImageDecodeError(`Could not decode ${name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** n×c probabilities (row-major) for the batch, optionally flipped left-right first. */
async function runModel(
  { model, preprocessing, onnx }: ExportedModel,
  pixels: readonly Pixels[],
  flip: boolean,
  isProbabilities: boolean,
): Promise<Float32Array> {
  const x = tf.tidy(() => {
    const batch = buildEvalBatch(pixels, preprocessing.normalize);
    return flip ? tf.reverse(batch, 2) : batch;
  });
  let y: tf.Tensor;
  try {
    y = onnx ? await onnx.forward(x) : tf.tidy(() => model.predict(x) as tf.Tensor);
  } finally {
    x.dispose();
  }
  // fastai models end in logits and predict applies the loss's activation (softmax).
  const out = isProbabilities ? y : tf.tidy(() => tf.softmax(y));
  if (out !== y) y.dispose();
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

/** Whether the model's last layer already applies softmax (then its outputs are probabilities). */
export function endsInSoftmax(model: tfl.LayersModel): boolean {
  const last = model.layers.at(-1);
  if (last instanceof tfl.LayersModel) return endsInSoftmax(last);
  if (last == null) return false;
  return last.getClassName() === 'Softmax' || last.getConfig().activation === 'softmax';
}

function toPrediction(probs: number[], classes: readonly string[], topK: number): Prediction {
  const order = probs.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]! || a - b);
  const index = order[0]!;
  return {
    label: classes[index]!,
    index,
    probs,
    top: order.slice(0, topK).map((i) => ({ label: classes[i]!, prob: probs[i]! })),
  };
}
