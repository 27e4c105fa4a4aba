import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type SafetensorsEntry, type SafetensorsFile, toFloat32 } from './safetensors';

// Maps a PyTorch state dict (torchvision, or timm: its resnet*.tv_in1k checkpoints are the
// torchvision weights under the same keys: conv1, bn1, layerN.M.{conv,bn}K, layerN.M.downsample.{0,1},
// fc) onto a tfjs model whose layers carry the PyTorch module names.
//   Conv2d.weight [O, I, kh, kw] → Conv2D kernel [kh, kw, I, O]
//   Linear.weight [out, in]      → Dense kernel [in, out]
//   BatchNorm2d weight / bias / running_mean / running_var → gamma / beta / moving_mean / moving_variance
// num_batches_tracked has no tfjs counterpart and is ignored.

/** One PyTorch tensor a tfjs model expects. */
export interface TorchTensorSpec {
  /** State-dict key, e.g. "layer1.0.conv1.weight". */
  key: string;
  /** Shape in PyTorch layout. */
  torchShape: number[];
  layer: tfl.layers.Layer;
  variable: tfl.LayerVariable;
  /** Axis permutation from PyTorch layout to tfjs layout. */
  perm: number[] | null;
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);
const CONV_TO_HWIO = [2, 3, 1, 0];
const LINEAR_TO_IN_OUT = [1, 0];

/** Suffix of a tfjs weight name (after the last "/") → PyTorch parameter name, per layer class. */
const PARAM_NAMES: Record<string, Record<string, string>> = {
  Conv2D: { kernel: 'weight', bias: 'bias' },
  Dense: { kernel: 'weight', bias: 'bias' },
  BatchNormalization: {
    gamma: 'weight',
    beta: 'bias',
    moving_mean: 'running_mean',
    moving_variance: 'running_var',
  },
};

/** Every PyTorch tensor the model needs, in layer order. */
export function expectedTorchTensors(model: tfl.LayersModel): TorchTensorSpec[] {
  const specs: TorchTensorSpec[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const className = layer.getClassName();
    const names = PARAM_NAMES[className];
    if (!names) {
      throw new Error(
        `Layer "${layer.name}" is a ${className}, which has no PyTorch weight mapping (supported: ${Object.keys(PARAM_NAMES).join(', ')}).`,
      );
    }
    for (const variable of layer.weights) {
      const suffix = variable.originalName.slice(variable.originalName.lastIndexOf('/') + 1);
      const param = names[suffix];
      if (!param)
        throw new Error(
          `Layer "${layer.name}" (${className}) has an unexpected weight "${variable.originalName}".`,
        );
      const isKernel = suffix === 'kernel';
      const perm = isKernel ? (className === 'Conv2D' ? CONV_TO_HWIO : LINEAR_TO_IN_OUT) : null;
      // perm maps torch → tfjs, so the torch shape is the tfjs shape read through the inverse.
      const torchShape = perm
        ? invert(perm).map((axis) => variable.shape[axis] as number)
        : (variable.shape as number[]);
      specs.push({ key: `${layer.name}.${param}`, torchShape, layer, variable, perm });
    }
  }
  return specs;
}

function invert(perm: number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}

export class WeightMappingError extends Error {
  override name = 'WeightMappingError';
}

export interface LoadTorchWeightsResult {
  /** State-dict keys written into the model. */
  loaded: string[];
  /** Keys in the file the model did not use (e.g. `fc.*` when loading into a body). */
  unused: string[];
}

/**
 * Copies a PyTorch state dict from a safetensors file into `model`. Every expected tensor must
 * be present with the right shape; nothing is written unless all of them are.
 */
export function loadTorchWeights(
  model: tfl.LayersModel,
  file: SafetensorsFile,
): LoadTorchWeightsResult {
  const specs = expectedTorchTensors(model);
  const lookup = normalisedKeys(file);
  for (const spec of specs) {
    const entry = lookup.get(spec.key);
    if (!entry) {
      const examples = [...lookup.keys()]
        .slice(0, 3)
        .map((k) => `"${k}"`)
        .join(', ');
      throw new WeightMappingError(
        `Weight "${spec.key}" (expected shape [${spec.torchShape.join(', ')}]) is missing from the weight file, ` +
          `which has ${lookup.size} tensors (e.g. ${examples}). Use a torchvision or timm ResNet checkpoint of the same depth.`,
      );
    }
    if (!FLOAT_DTYPES.has(entry.dtype)) {
      throw new WeightMappingError(
        `Weight "${spec.key}" is stored as ${entry.dtype}; a weight must be F32, F16, BF16 or F64.`,
      );
    }
    if (entry.shape.join(',') !== spec.torchShape.join(',')) {
      throw new WeightMappingError(
        `Weight "${spec.key}" has shape [${entry.shape.join(', ')}] in the weight file, expected [${spec.torchShape.join(', ')}] ` +
          `for layer "${spec.layer.name}". The file is probably for a different depth or number of classes.`,
      );
    }
  }
  const specsByLayer = new Map<tfl.layers.Layer, TorchTensorSpec[]>();
  for (const spec of specs)
    specsByLayer.set(spec.layer, [...(specsByLayer.get(spec.layer) ?? []), spec]);
  for (const [layer, layerSpecs] of specsByLayer) {
    // One tidy per layer keeps at most one layer's converted copies alive next to the file.
    tf.tidy(() => {
      const values = layer.weights.map((variable) => {
        const spec = layerSpecs.find((s) => s.variable === variable)!;
        const torchTensor = tf.tensor(toFloat32(lookup.get(spec.key)!), spec.torchShape, 'float32');
        return spec.perm ? tf.transpose(torchTensor, spec.perm) : torchTensor;
      });
      layer.setWeights(values);
    });
  }
  const used = new Set(specs.map((s) => s.key));
  return {
    loaded: specs.map((s) => s.key),
    unused: [...lookup.keys()].filter((k) => !used.has(k) && !k.endsWith('num_batches_tracked')),
  };
}

/** Keys without a DataParallel "module." prefix, which some saved checkpoints carry. */
function normalisedKeys(file: SafetensorsFile): Map<string, SafetensorsEntry> {
  const out = new Map<string, SafetensorsEntry>();
  for (const [key, entry] of file.tensors)
    out.set(key.startsWith('module.') ? key.slice('module.'.length) : key, entry);
  return out;
}
