import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Weightless layers that compute the same in training and inference, so their output can be
 * cached with the body's: fastai's AdaptiveConcatPool (max ‖ avg) and Flatten. Caching after
 * them keeps 2·C floats an image instead of the whole h·w·C feature map.
 */
const CACHEABLE = new Set([
  'GlobalMaxPooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalAveragePooling1D',
  'Concatenate',
  'Flatten',
]);

/** A learner's model cut where its cacheable part ends and the trained head begins. */
export interface HeadSplit {
  /** Per-image shape of the cached features, e.g. [2560] after concat pooling. */
  readonly featureShape: number[];
  /** The head layers run on the features, in order. */
  readonly chain: readonly tfl.layers.Layer[];
  /** Body (and pooling) in inference mode: BatchNorm on its running statistics. */
  features(x: tf.Tensor): tf.Tensor;
  /**
   * The model from the input to the features, built anew on each call, to serialise for body
   * workers. It shares the learner's layers: never dispose it.
   */
  featureModel(): tfl.LayersModel;
  /** The head chain on features, in training or inference mode. */
  forward(features: tf.Tensor, training: boolean): tf.Tensor;
}

function fail(why: string): never {
  throw new Error(
    `precompute cannot cache this model's body: ${why}. It needs a head whose layers after ` +
      `pooling run one after another up to the output (as cnnLearner's head). Fit without precompute.`,
  );
}

function inputOf(layer: tfl.layers.Layer): tfl.SymbolicTensor {
  let input: tfl.SymbolicTensor | tfl.SymbolicTensor[];
  try {
    input = layer.input as tfl.SymbolicTensor | tfl.SymbolicTensor[];
  } catch (error) {
    // tfjs-layers has no single input for a layer called more than once.
    return fail(`head layer "${layer.name}": ${error instanceof Error ? error.message : error}`);
  }
  return Array.isArray(input) ? fail(`head layer "${layer.name}" takes several inputs`) : input;
}

/**
 * Splits the model before the first head layer that is not pooling. The rest of the head must
 * be a chain (each layer fed by the one before, the last giving the model's output), as
 * cnnLearner's BatchNorm → Dropout → Linear blocks are.
 */
export function splitHead(model: tfl.LayersModel, head: readonly tfl.layers.Layer[]): HeadSplit {
  const start = head.findIndex((layer) => !CACHEABLE.has(layer.getClassName()));
  if (start < 0) fail('its head has no layers after pooling');
  const chain = head.slice(start);
  chain.forEach((layer, i) => {
    if (i > 0 && inputOf(layer) !== chain[i - 1]!.output)
      fail(`head layer "${layer.name}" is not fed by "${chain[i - 1]!.name}"`);
  });
  if (chain.at(-1)!.output !== model.outputs[0])
    fail(`the last head layer "${chain.at(-1)!.name}" does not give the model's output`);
  const featureTensor = inputOf(chain[0]!);
  const featureShape = featureTensor.shape.slice(1);
  if (featureShape.some((d) => d == null))
    fail(`its features have an unknown size [${featureTensor.shape.join(', ')}]`);
  return {
    featureShape: featureShape as number[],
    chain,
    features: (x) => model.execute(x, featureTensor.name) as tf.Tensor,
    featureModel: () => tfl.model({ inputs: model.inputs, outputs: featureTensor }),
    forward: (features, training) =>
      tf.tidy(() =>
        chain.reduce<tf.Tensor>((x, layer) => layer.apply(x, { training }) as tf.Tensor, features),
      ),
  };
}
