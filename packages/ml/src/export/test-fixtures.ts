/** Models and image folders for the export and evaluate tests, built by the tests (never stored). */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedPath } from '@studio/shared';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadBackbone } from '../models/load-backbone';

export const PRETRAINED_DIR = sharedPath('pretrained');

/**
 * The offline MobileNetV2-0.35 body nested as one layer, then a small head ending in logits
 * (fastai's shape: concat pooling → BatchNorm → Dense → ReLU → Dense), as one LayersModel.
 */
export async function mobileNetClassifier(classes: number): Promise<tfl.LayersModel> {
  const { body } = await loadBackbone('mobilenet_v2_0.35', { pretrainedDir: PRETRAINED_DIR });
  const input = tfl.input({ shape: [224, 224, 3] });
  const features = body.apply(input) as tfl.SymbolicTensor;
  const pooled = tfl.layers
    .concatenate()
    .apply([
      tfl.layers.globalMaxPooling2d({}).apply(features),
      tfl.layers.globalAveragePooling2d({}).apply(features),
    ] as tfl.SymbolicTensor[]);
  const normed = tfl.layers.batchNormalization().apply(pooled);
  const hidden = tfl.layers.dense({ units: 16, activation: 'relu' }).apply(normed);
  const logits = tfl.layers.dense({ units: classes }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: 'mobilenet_classifier' });
}

/** A tiny conv net whose last layer applies softmax itself. */
export function tinySoftmaxNet(size: number, classes: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [size, size, 3],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
}

/** A small folder-labelled copy of ../shared/datasets/sign-language-digits. */
export const DIGITS_DIR = sharedPath('datasets', 'sign-language-digits');

/** Copies the first `perClass` images of each digit class into `<root>/<prefix>/<class>/`. */
export async function copyDigits(
  root: string,
  digits: readonly string[],
  perClass: number,
  prefix = '',
): Promise<void> {
  for (const digit of digits) {
    const files = (await readdir(join(DIGITS_DIR, digit))).sort().slice(0, perClass);
    await mkdir(join(root, prefix, digit), { recursive: true });
    for (const file of files)
      await copyFile(join(DIGITS_DIR, digit, file), join(root, prefix, digit, file));
  }
}
