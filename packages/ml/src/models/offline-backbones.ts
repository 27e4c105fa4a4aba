import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { ARCHITECTURES } from './architectures';
import type { Backbone } from './backbone';
import { loadLayersModelFromDir, type LoadLayersModelOptions } from './layers-model-files';

// The three ImageNet backbones kept on disk (see ../shared/pretrained/README.md). Each loader takes
// the model's folder explicitly.

/**
 * MobileNetV2-0.35 from the Teachable Machine export. Its `model.layers[0]` is the ImageNet
 * backbone plus global average pooling (1280 features); the body here is that backbone without
 * the pooling, so every body ends in a feature map and the learner's head does the pooling
 * (fastai v1: cut before the backbone's own pooling).
 */
export async function loadMobileNetV2Backbone(
  dir: string,
  options: LoadLayersModelOptions = {},
): Promise<Backbone> {
  const exported = await loadLayersModelFromDir(dir, options);
  const withPooling = exported.layers[0];
  const features = withPooling instanceof tfl.LayersModel ? withPooling.layers[0] : undefined;
  if (!(features instanceof tfl.LayersModel) || features.outputs[0]!.shape.at(-1) !== 1280) {
    exported.dispose();
    throw new Error(
      `${dir}/model.json is not the Teachable Machine MobileNetV2 export (expected layers[0] = [MobileNetV2 → 1280 channels, pooling]).`,
    );
  }
  // The 3-class Teachable Machine head. A nested model's dispose() leaves its weights alive while
  // the outer model still counts it, so its variables are freed one by one.
  for (const head of exported.layers.slice(1)) {
    for (const weight of head.weights) weight.dispose();
  }
  return { id: 'mobilenet_v2_0.35', body: features, spec: ARCHITECTURES['mobilenet_v2_0.35'] };
}

const MOBILENET_V2_POOL = 'global_pool';

/**
 * MobileNetV2-1.0 rebuilt from TF-slim's ImageNet classifier (BatchNorm folded into the
 * convolutions), cut before its global pooling: the learner's head does the pooling.
 */
export async function loadMobileNetV2FullWidthBackbone(
  dir: string,
  options: LoadLayersModelOptions = {},
): Promise<Backbone> {
  const full = await loadLayersModelFromDir(dir, options);
  const pool = full.layers.find((l) => l.name === MOBILENET_V2_POOL);
  const features = pool?.input as tfl.SymbolicTensor | undefined;
  if (pool == null || features?.shape.at(-1) !== 1280) {
    full.dispose();
    throw new Error(
      `${dir}/model.json is not the MobileNetV2-1.0 ImageNet model: it has no "${MOBILENET_V2_POOL}" layer over 1280 channels to cut before.`,
    );
  }
  const body = tfl.model({ inputs: full.inputs, outputs: features, name: 'mobilenet_v2_1.0_body' });
  // The ImageNet classifier after the pooling is not part of the body.
  for (const layer of full.layers.slice(full.layers.indexOf(pool))) {
    for (const weight of layer.weights) weight.dispose();
  }
  return { id: 'mobilenet_v2_1.0', body, spec: ARCHITECTURES['mobilenet_v2_1.0'] };
}

const DARKNET_CLASSIFIER = 'conv2d_16';

/** DarkNet-tiny cut before its final 1x1 conv classifier: a 14x14x128 map at 224 px. */
export async function loadDarknetTinyBackbone(
  dir: string,
  options: LoadLayersModelOptions = {},
): Promise<Backbone> {
  const full = await loadLayersModelFromDir(dir, options);
  const classifier = full.layers.find((l) => l.name === DARKNET_CLASSIFIER);
  if (!classifier) {
    full.dispose();
    throw new Error(
      `${dir}/model.json is not DarkNet-tiny: it has no "${DARKNET_CLASSIFIER}" classifier layer to cut before.`,
    );
  }
  const body = tfl.model({
    inputs: full.inputs,
    outputs: classifier.input as tfl.SymbolicTensor,
    name: 'darknet_tiny_body',
  });
  classifier.dispose();
  return { id: 'darknet_tiny', body, spec: ARCHITECTURES.darknet_tiny };
}

/** The complete DarkNet-tiny ImageNet classifier (raw scores; apply softmax) and its labels, in DarkNet's order. */
export async function loadDarknetTinyClassifier(
  dir: string,
): Promise<{ model: tfl.LayersModel; labels: string[] }> {
  const labels = JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')) as string[];
  return { model: await loadLayersModelFromDir(dir), labels };
}
