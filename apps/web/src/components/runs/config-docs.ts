import type { ArchId } from '@studio/shared';

/**
 * The one-line `doc()` of each setting of a new run: fastai's default and why you would change
 * it. Shown as the input's description, so screen readers read it with the label.
 */
export const CONFIG_DOCS = {
  name: 'How the run is listed. Default: dataset, version and architecture.',
  arch: 'The pretrained network the model starts from (cnn_learner(data, models.resnet34)). The lesson uses resnet34.',
  size: 'fastai default 224: images are resized to size × size. Smaller trains faster, larger sees more detail.',
  resizeMode:
    'fastai default crop: a random crop when training, the centre when validating. Pad keeps the whole image with reflection; squish distorts it.',
  bs: 'Batch size: images per step. fastai default 64; lower it if you run out of memory.',
  metrics:
    'fastai default error_rate (1 − accuracy), printed after every epoch. Neither changes what the model learns.',
  seed: 'Fixes the random order of batches and augmentations so two runs with the same settings are comparable. Default 42.',
  precompute:
    'Frozen stages train the head on activations computed once, several times faster on a CPU (fastai 0.7’s precompute=True); the body’s BatchNorm weights then stay as they are. Auto: on for CPU workers, off on a GPU.',
  precomputeViews:
    'Augmented views of each training image to cache, each costing one more pass over the training set. Default 0: the plain image once, the fastest.',
  augment:
    'get_transforms(): random changes to training images so the model learns what stays the same. On by default; validation images are never augmented.',
  doFlip:
    'fastai default on: mirror left-right half the time. Turn off when direction matters (text, road signs).',
  maxRotate: 'fastai default 10°: rotate up to this many degrees either way.',
  maxZoom: 'fastai default 1.1: zoom in up to 1.1×.',
  maxLighting: 'fastai default 0.2: change brightness and contrast by up to this much.',
  maxWarp: 'fastai default 0.2: tilt the perspective by up to this much.',
  pAffine: 'fastai default 0.75: chance that each image gets the rotate, zoom and warp.',
  pLighting: 'fastai default 0.75: chance that each image gets the lighting change.',
} as const;

/** Settings with a section in `docs/run-settings.md`, by that section's heading. */
export const CONFIG_MORE: Partial<Record<keyof typeof CONFIG_DOCS, string>> = {
  precompute: 'Feature cache for frozen stages (`precompute`)',
  precomputeViews: 'Cached views per image (`precomputeViews`)',
  bs: 'Batch size',
};

/**
 * Each architecture: `note` says what it is (the model card quotes it); `measured` is the run
 * form's line of what the lesson measured with it (docs/benchmarks.md, "The lesson").
 */
export const ARCH_NOTES: Record<
  ArchId,
  { label: string; note: string; measured?: string; isOffline: boolean }
> = {
  resnet18: {
    label: 'resnet18',
    note: 'ResNet-18 with torchvision ImageNet weights; weights download on first use.',
    isOffline: false,
  },
  resnet34: {
    label: 'resnet34',
    note: "The lesson's choice: ResNet-34 with torchvision ImageNet weights; weights download on first use.",
    isOffline: false,
  },
  resnet50: {
    label: 'resnet50',
    note: 'ResNet-50: more accurate, about 3× slower than resnet34; weights download on first use.',
    isOffline: false,
  },
  'mobilenet_v2_0.35': {
    label: 'mobilenet_v2_0.35',
    note: 'MobileNetV2 at width 0.35, ImageNet-trained, offline.',
    measured:
      "The lesson's plan at 224 px on 2 cores: clothing-small 15.5 % error frozen (59 s), 15.0 % after fine-tuning, about 3.7 min an unfrozen epoch.",
    isOffline: true,
  },
  'mobilenet_v2_1.0': {
    label: 'mobilenet_v2_1.0',
    note: 'MobileNetV2 at full width, ImageNet-trained, offline.',
    measured:
      "The default, the most accurate offline. The lesson's plan at 224 px on 2 cores: clothing-small 14.1 % error frozen (65 s), 11.4 % after fine-tuning, about 5.6 min an unfrozen epoch.",
    isOffline: true,
  },
  darknet_tiny: {
    label: 'darknet_tiny',
    note: 'DarkNet-tiny, ImageNet-trained and available offline.',
    isOffline: true,
  },
};
