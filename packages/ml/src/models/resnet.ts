import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';

// torchvision.models.resnet (ResNet v1.5: the stride sits on the 3x3 conv of a bottleneck),
// built block → stack → model with the same module names, so a torchvision or timm state dict
// maps onto it key by key ("layer1.0.conv1.weight" → layer "layer1.0.conv1"). NHWC throughout.
// PyTorch pads symmetrically; TensorFlow's 'same' pads bottom/right first on stride 2, so every
// padded op is an explicit ZeroPadding2D followed by a 'valid' op, exactly like PyTorch.

export type ResNetDepth = 18 | 34 | 50;

export interface ResNetOptions {
  depth: ResNetDepth;
  /** true: global average pool + `fc` (torchvision's logits). false: the body, ending after layer4. */
  includeTop?: boolean;
  numClasses?: number;
  /** NHWC without batch; null height/width accept any image size. Default [224, 224, 3]. */
  inputShape?: [number | null, number | null, number];
  name?: string;
}

type BlockKind = 'basic' | 'bottleneck';

const CONFIGS: Record<ResNetDepth, { block: BlockKind; blocks: [number, number, number, number] }> =
  {
    18: { block: 'basic', blocks: [2, 2, 2, 2] },
    34: { block: 'basic', blocks: [3, 4, 6, 3] },
    50: { block: 'bottleneck', blocks: [3, 4, 6, 3] },
  };

const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** Channels at the end of layer4: what a head on the body receives. */
export function resnetFeatureChannels(depth: ResNetDepth): number {
  return 512 * EXPANSION[CONFIGS[depth].block];
}

// torchvision initialises convs with kaiming_normal_(mode='fan_out', nonlinearity='relu').
const convInitializer = () =>
  tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });

/** Conv without bias, PyTorch padding (kernel - 1) / 2, named like the torchvision module. */
function conv(
  x: SymbolicTensor,
  name: string,
  filters: number,
  kernel: number,
  stride: number,
): SymbolicTensor {
  const pad = (kernel - 1) / 2;
  const padded =
    pad > 0
      ? (tfl.layers.zeroPadding2d({ padding: pad, name: `${name}.pad` }).apply(x) as SymbolicTensor)
      : x;
  return tfl.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      strides: stride,
      padding: 'valid',
      useBias: false,
      kernelInitializer: convInitializer(),
      name,
    })
    .apply(padded) as SymbolicTensor;
}

/** BatchNorm2d: eps 1e-5; PyTorch momentum 0.1 weighs the new batch, Keras momentum weighs the old stats. */
function batchNorm(x: SymbolicTensor, name: string): SymbolicTensor {
  return tfl.layers
    .batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name })
    .apply(x) as SymbolicTensor;
}

function relu(x: SymbolicTensor, name: string): SymbolicTensor {
  return tfl.layers.reLU({ name }).apply(x) as SymbolicTensor;
}

/** The shortcut: identity, or `downsample.0` (1x1 conv, stride) + `downsample.1` (BN). */
function shortcut(
  x: SymbolicTensor,
  prefix: string,
  outChannels: number,
  stride: number,
): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1];
  if (stride === 1 && inChannels === outChannels) return x;
  return batchNorm(
    conv(x, `${prefix}.downsample.0`, outChannels, 1, stride),
    `${prefix}.downsample.1`,
  );
}

/** torchvision BasicBlock: 3x3 (stride) → BN → ReLU → 3x3 → BN, + shortcut, ReLU. */
export function basicBlock(
  x: SymbolicTensor,
  prefix: string,
  planes: number,
  stride: number,
): SymbolicTensor {
  let y = relu(
    batchNorm(conv(x, `${prefix}.conv1`, planes, 3, stride), `${prefix}.bn1`),
    `${prefix}.relu1`,
  );
  y = batchNorm(conv(y, `${prefix}.conv2`, planes, 3, 1), `${prefix}.bn2`);
  const sum = tfl.layers
    .add({ name: `${prefix}.add` })
    .apply([y, shortcut(x, prefix, planes, stride)]) as SymbolicTensor;
  return relu(sum, `${prefix}.relu2`);
}

/** torchvision Bottleneck (v1.5): 1x1 → 3x3 (stride) → 1x1 (×4 channels), + shortcut, ReLU. */
export function bottleneckBlock(
  x: SymbolicTensor,
  prefix: string,
  planes: number,
  stride: number,
): SymbolicTensor {
  let y = relu(
    batchNorm(conv(x, `${prefix}.conv1`, planes, 1, 1), `${prefix}.bn1`),
    `${prefix}.relu1`,
  );
  y = relu(
    batchNorm(conv(y, `${prefix}.conv2`, planes, 3, stride), `${prefix}.bn2`),
    `${prefix}.relu2`,
  );
  y = batchNorm(conv(y, `${prefix}.conv3`, planes * 4, 1, 1), `${prefix}.bn3`);
  const sum = tfl.layers
    .add({ name: `${prefix}.add` })
    .apply([y, shortcut(x, prefix, planes * 4, stride)]) as SymbolicTensor;
  return relu(sum, `${prefix}.relu3`);
}

/** One `layerN` stage: the first block carries the stride (and the downsample), the rest stride 1. */
export function resnetStack(
  x: SymbolicTensor,
  name: string,
  kind: BlockKind,
  planes: number,
  blocks: number,
  stride: number,
): SymbolicTensor {
  const block = kind === 'basic' ? basicBlock : bottleneckBlock;
  let y = x;
  for (let i = 0; i < blocks; i++) y = block(y, `${name}.${i}`, planes, i === 0 ? stride : 1);
  return y;
}

/** The torchvision stem: conv1 7x7/2 (pad 3) → bn1 → relu → maxpool 3x3/2 (pad 1). */
function stem(x: SymbolicTensor): SymbolicTensor {
  const y = relu(batchNorm(conv(x, 'conv1', 64, 7, 2), 'bn1'), 'relu');
  // PyTorch pads max-pooling with -inf; the input follows a ReLU (>= 0), so zero padding never
  // wins the max and gives the same result.
  const padded = tfl.layers
    .zeroPadding2d({ padding: 1, name: 'maxpool.pad' })
    .apply(y) as SymbolicTensor;
  return tfl.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' })
    .apply(padded) as SymbolicTensor;
}

export function createResNet(options: ResNetOptions): tfl.LayersModel {
  const { depth, includeTop = true, numClasses = 1000, inputShape = [224, 224, 3] } = options;
  const config = CONFIGS[depth];
  if (!config) throw new Error(`Unsupported ResNet depth ${String(depth)}; expected 18, 34 or 50.`);
  const input = tfl.input({ shape: inputShape, name: 'input' });
  let x = stem(input);
  const planes = [64, 128, 256, 512] as const;
  config.blocks.forEach((blocks, i) => {
    x = resnetStack(x, `layer${i + 1}`, config.block, planes[i]!, blocks, i === 0 ? 1 : 2);
  });
  if (includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'avgpool' }).apply(x) as SymbolicTensor;
    x = tfl.layers.dense({ units: numClasses, name: 'fc' }).apply(x) as SymbolicTensor;
  }
  return tfl.model({ inputs: input, outputs: x, name: options.name ?? `resnet${depth}` });
}
