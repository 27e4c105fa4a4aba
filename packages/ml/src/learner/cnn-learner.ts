import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { bodyLayerGroups, flattenLayers, type Backbone } from '../models/backbone';
import type { LearnerData } from './data';
import { Learner, type LearnerOptions } from './learner';

export interface CnnLearnerOptions extends LearnerOptions {
  /** Dropout before each head linear layer. Default [0.25, 0.5] (fastai ps=0.5). */
  psDropout?: readonly number[];
  /** Hidden sizes of the head. Default 512. */
  linFtrs?: number | readonly number[];
}

/**
 * fastai v1 vision/learner.py create_head: AdaptiveConcatPool (max ‖ avg) → [BatchNorm →
 * Dropout → Linear → ReLU] per hidden size → BatchNorm → Dropout → Linear. BatchNorm as
 * PyTorch's BatchNorm1d (eps 1e-5, momentum 0.1 = Keras 0.9). fastai's Flatten is a no-op
 * after global pooling in NHWC and is left out.
 */
export function createHead(
  features: tfl.SymbolicTensor,
  classes: number,
  options: Pick<CnnLearnerOptions, 'psDropout' | 'linFtrs'> = {},
): { output: tfl.SymbolicTensor; layers: tfl.layers.Layer[] } {
  const hidden =
    typeof options.linFtrs === 'number' ? [options.linFtrs] : [...(options.linFtrs ?? [512])];
  const ps = options.psDropout ?? [0.25, 0.5];
  if (ps.length !== hidden.length + 1) {
    throw new Error(
      `psDropout needs one rate per linear layer of the head (${hidden.length + 1}), received [${ps.join(', ')}].`,
    );
  }
  const layers: tfl.layers.Layer[] = [];
  const add = <L extends tfl.layers.Layer>(layer: L) => (layers.push(layer), layer);
  const max = add(tfl.layers.globalMaxPooling2d({ name: 'head.max_pool' })).apply(features);
  const avg = add(tfl.layers.globalAveragePooling2d({ name: 'head.avg_pool' })).apply(features);
  let x = add(tfl.layers.concatenate({ name: 'head.concat_pool' })).apply([
    max as tfl.SymbolicTensor,
    avg as tfl.SymbolicTensor,
  ]) as tfl.SymbolicTensor;
  const sizes = [...hidden, classes];
  sizes.forEach((units, i) => {
    const n = i + 1;
    x = add(
      tfl.layers.batchNormalization({ name: `head.bn${n}`, epsilon: 1e-5, momentum: 0.9 }),
    ).apply(x) as tfl.SymbolicTensor;
    if (ps[i]! > 0)
      x = add(tfl.layers.dropout({ name: `head.drop${n}`, rate: ps[i]! })).apply(
        x,
      ) as tfl.SymbolicTensor;
    const isLast = i === sizes.length - 1;
    x = add(
      tfl.layers.dense({ name: `head.lin${n}`, units, activation: isLast ? 'linear' : 'relu' }),
    ).apply(x) as tfl.SymbolicTensor;
  });
  return { output: x, layers };
}

/**
 * fastai v1 cnn_learner: the backbone's body plus a new head, layer groups (body groups from
 * the backbone's spec, then the head), frozen. The head's linear weights start as PyTorch's
 * kaiming_normal_ (N(0, 2/fan_in)) with zero biases (fastai apply_init).
 */
export function cnnLearner(
  data: LearnerData,
  backbone: Backbone,
  options: CnnLearnerOptions = {},
): Learner {
  const { body } = backbone;
  const features = body.outputs[0]!;
  if (features.shape.length !== 4) {
    throw new Error(
      `The backbone body must end in a feature map [batch, h, w, channels]; ${body.name} outputs [${features.shape.join(', ')}].`,
    );
  }
  const head = createHead(features, data.c, options);
  const model = tfl.model({
    inputs: body.inputs,
    outputs: head.output,
    name: `${backbone.id}_learner`,
  });
  initHead(head.layers, options.seed);
  const bodyLayers = new Set(flattenLayers(body));
  const groups = bodyLayerGroups(backbone).map((g) => g.filter((l) => bodyLayers.has(l)));
  const learner = new Learner(data, model, [...groups, head.layers], options);
  learner.freeze();
  return learner;
}

function initHead(layers: readonly tfl.layers.Layer[], seed: number | undefined): void {
  layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'Dense') return;
    const [kernel, bias] = layer.weights as [tfl.LayerVariable, tfl.LayerVariable];
    const [fanIn, units] = kernel.shape as [number, number];
    const s = seed == null ? undefined : seed + i;
    tf.tidy(() => {
      kernel.write(tf.randomNormal([fanIn, units], 0, Math.sqrt(2 / fanIn), 'float32', s));
      bias.write(tf.zeros([units]));
    });
  });
}
