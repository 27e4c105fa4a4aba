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
    'Frozen stages run every image through the frozen body once (per augmented view) and train the head on the cached activations: several times faster on a CPU (fastai 0.7’s precompute=True). The body’s BatchNorm weights are not trained, where a plain frozen fit (off) trains them, as fastai v1 does: off is slower and more accurate (MobileNetV2 at 224 px on a CPU worker, clothing photos: 14.4 % error in 14 minutes against 15.5 % in 1.5; hand-sign digits: 4.1 % against 5.8 % with 4 cached views). At the backbone’s own image size (224 px) the body keeps its pretrained BatchNorm statistics in every stage of the run, cached or not, unfrozen ones included; at other sizes they are first adapted to your data, then stay fixed in frozen stages. Auto: on for CPU workers, off on a GPU.',
  precomputeViews:
    'Augmented versions of each training image to cache (at most one per epoch). Default 0: the plain image once, as fastai 0.7, the fastest. More views keep more of the augmentation’s benefit and cost one body pass over the training set each (sign-language digits at 224 px: 7.0 % error frozen with 0, 5.8 % with 4, in four times the time).',
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

export const ARCH_NOTES: Record<ArchId, { label: string; note: string; isOffline: boolean }> = {
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
    note: 'MobileNetV2 (width 0.35), ImageNet-trained, offline. Measured: sign-language-digits at 128 px, frozen 14.1 % error, 160 s.',
    isOffline: true,
  },
  'mobilenet_v2_1.0': {
    label: 'mobilenet_v2_1.0',
    note: 'MobileNetV2 (full width), ImageNet-trained, offline, the strongest. Measured: sign-language-digits at 128 px, frozen 9.2 % error, 370 s.',
    isOffline: true,
  },
  darknet_tiny: {
    label: 'darknet_tiny',
    note: 'DarkNet-tiny, ImageNet-trained and available offline.',
    isOffline: true,
  },
};
