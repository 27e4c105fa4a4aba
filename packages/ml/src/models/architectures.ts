// The architectures a learner can start from, with how to cut each into a body and split the
// body into layer groups (fastai v1 `cnn_learner`: body cut before the backbone's own pooling
// and classifier, then `model_meta[arch]['split']`), and what input each expects.

export type ArchitectureId =
  'resnet18' | 'resnet34' | 'resnet50' | 'mobilenet_v2_0.35' | 'mobilenet_v2_1.0' | 'darknet_tiny';

/**
 * How a model wants its RGB input, starting from pixels in [0, 1]. The same shape as the data
 * pipeline's NormalizeSpec (src/data), so it can be passed to normalizeBatch as is.
 */
export type InputNormalization =
  | { kind: 'imagenet' }
  | {
      kind: 'stats';
      mean: readonly [number, number, number];
      std: readonly [number, number, number];
    }
  | { kind: 'scale'; min: number; max: number };

/** A weight file downloaded on first use and pinned by its hash. */
export interface DownloadableWeights {
  url: string;
  /** Name of the file in the cache directory. */
  fileName: string;
  /** Exact size in bytes, or null when not yet known (then checked only by the hash). */
  sizeBytes: number | null;
  /** Lower-case hex sha256, or null: not yet pinned; recorded on first download and verified after. */
  sha256: string | null;
}

/** How a model is cut into body + groups, and what input it expects. Shared by every backbone. */
export interface BodySpec {
  /** Where the body ends, for people: shown in the UI and errors. */
  cutDescription: string;
  /**
   * Names of the first layer of each body layer group after the first (a layer also matches by
   * dotted prefix: "layer3" starts at "layer3.0.conv1"). The new head is always one more group.
   */
  groupStarts: string[];
  groupsDescription: string;
  normalization: InputNormalization;
  /** The input convention in words, for the UI. */
  inputDescription: string;
  defaultSize: number;
  /** Channels of the body's output feature map. */
  featureChannels: number;
}

export interface ArchitectureSpec extends BodySpec {
  id: ArchitectureId;
  displayName: string;
  family: 'resnet' | 'mobilenet_v2' | 'darknet';
  weights: { kind: 'download'; file: DownloadableWeights } | { kind: 'offline'; dirName: string };
}

const hub = (repo: string) => `https://huggingface.co/${repo}/resolve/main/model.safetensors`;

const resnet = (
  depth: 18 | 34 | 50,
  file: Omit<DownloadableWeights, 'url' | 'fileName'>,
): ArchitectureSpec => ({
  id: `resnet${depth}`,
  displayName: `ResNet-${depth}`,
  family: 'resnet',
  cutDescription: 'after layer4, before avgpool and fc',
  groupStarts: ['layer3'],
  groupsDescription: 'conv1 … layer2 | layer3 + layer4 | head (fastai v1 resnet split)',
  normalization: { kind: 'imagenet' },
  inputDescription: 'RGB in [0, 1], then ImageNet mean/std (torchvision weights)',
  defaultSize: 224,
  featureChannels: depth === 50 ? 2048 : 512,
  weights: {
    kind: 'download',
    file: {
      url: hub(`timm/resnet${depth}.tv_in1k`),
      fileName: `timm-resnet${depth}.tv_in1k.safetensors`,
      ...file,
    },
  },
});

export const ARCHITECTURES: Record<ArchitectureId, ArchitectureSpec> = {
  // Sizes and hashes are the Git LFS pointers of the Hugging Face files (model pages, "Git LFS
  // Details"). Where a value could not be looked up offline it is null and verified on first
  // download instead (trust on first use, see weights-cache.ts); pin it once seen.
  resnet18: resnet(18, {
    sizeBytes: 46_807_446,
    sha256: '694f673df6520a3158624e8a89af086f59923ee4cd7436fe5bc3bc71d295ad81',
  }),
  resnet34: resnet(34, { sizeBytes: null, sha256: null }), // ~87.3 MB; hash not found offline
  resnet50: resnet(50, {
    sizeBytes: null,
    sha256: '5d061a3c593d795bfe682d9b152bafbcf550579873492def3515b46db1189888',
  }), // ~102 MB
  'mobilenet_v2_0.35': {
    id: 'mobilenet_v2_0.35',
    displayName: 'MobileNetV2 0.35 (offline)',
    family: 'mobilenet_v2',
    cutDescription:
      "Teachable Machine's model.layers[0] without its global pooling: the 7x7x1280 map after out_relu",
    // block_6 starts the stride-16 stage, where ResNet's layer3 starts.
    groupStarts: ['block_6_expand'],
    groupsDescription: 'Conv1 … block_5 | block_6 … out_relu | head',
    normalization: { kind: 'scale', min: -1, max: 1 },
    inputDescription: 'RGB scaled to [-1, 1]',
    defaultSize: 224,
    featureChannels: 1280,
    weights: { kind: 'offline', dirName: 'mobilenet-v2-0.35-teachable-machine' },
  },
  'mobilenet_v2_1.0': {
    id: 'mobilenet_v2_1.0',
    displayName: 'MobileNetV2 1.0 (offline)',
    family: 'mobilenet_v2',
    cutDescription: 'before global_pool: the 7x7x1280 map of conv_35 (after its ReLU6)',
    // Thirds of the body's 52 convolutions (18 | 18 | 16), each at an inverted-residual block's
    // expansion conv: conv_13 starts block 7 (the first stride-16 block, where ResNet's layer3
    // and the 0.35's group start), conv_25 block 13 (the last 96-channel block).
    groupStarts: ['conv_13', 'conv_25'],
    groupsDescription: 'conv_1 … conv_12 | conv_13 … conv_24 | conv_25 … conv_35 | head',
    normalization: { kind: 'scale', min: -1, max: 1 },
    inputDescription: 'RGB scaled to [-1, 1]',
    defaultSize: 224,
    featureChannels: 1280,
    weights: { kind: 'offline', dirName: 'mobilenet-v2-1.0-imagenet' },
  },
  darknet_tiny: {
    id: 'darknet_tiny',
    displayName: 'DarkNet tiny (offline)',
    family: 'darknet',
    cutDescription:
      'before the final 1x1 conv classifier (conv2d_16): the 14x14x128 map after leaky_re_lu_15',
    // conv2d_11 is the first conv of the stride-16 stage, where ResNet's layer3 starts.
    groupStarts: ['conv2d_11'],
    groupsDescription: 'conv2d_1 … conv2d_10 | conv2d_11 … conv2d_15 | head',
    normalization: { kind: 'scale', min: 0, max: 1 },
    inputDescription: 'RGB scaled to [0, 1]',
    defaultSize: 224,
    featureChannels: 128,
    weights: { kind: 'offline', dirName: 'darknet-tiny-imagenet' },
  },
};

export function getArchitecture(id: string): ArchitectureSpec {
  const spec = ARCHITECTURES[id as ArchitectureId];
  if (!spec)
    throw new Error(
      `Unknown architecture "${id}". Available: ${Object.keys(ARCHITECTURES).join(', ')}.`,
    );
  return spec;
}
