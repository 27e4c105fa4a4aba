/**
 * The image pipeline of @studio/ml: fastai v1's get_transforms, size,
 * normalize, DataBunch and show_batch.
 *
 *   const items = splitByRandomPct(await folderItems(dir), 0.2, 42);
 *   const data = createDataBunch(items, folderSource(dir), { size: 224, bs: 64, seed: 42 });
 *   for await (const { x, y } of data.train.batches(epoch)) {
 *     // …train on x, y…
 *     tf.dispose([x, y]); // the consumer owns every yielded tensor
 *   }
 *
 * See README.md next to this file for the choices made.
 */
export { createDataBunch } from './data-bunch';
export type {
  Batch,
  BrokenImage,
  DataBunch,
  DataBunchOptions,
  EvalLoader,
  TrainLoader,
} from './data-bunch';
export { showAugmentations, showBatch } from './show-batch';
export type { ShownImage } from './show-batch';
export { folderItems, folderSource, splitByRandomPct, IMAGE_EXTENSIONS } from './items';
export type { ImageSource, Item, Split } from './items';
export { classesOf, countClasses } from './classes';
export {
  DEFAULT_AUGMENT,
  NO_AUGMENT,
  drawImageAugment,
  isAugmenting,
  resolveAugment,
} from './augment';
export type { AugmentOptions, ImageAugment } from './augment';
export { decodeImage, DEFAULT_MAX_PIXELS } from './decode';
export type { DecodeOptions, Fit, ResizeMode } from './decode';
export { ImageCache } from './image-cache';
export {
  DiskPixelStore,
  decodePixels,
  encodePixels,
  type DiskPixelStoreStats,
  type PixelStore,
  type PixelSweepResult,
} from './pixel-store';
export { IMAGENET_STATS, denormalizeBatch, normalizeBatch } from './normalize';
export type { NormalizeSpec } from './normalize';
export { applyLighting, brightness, contrast, lighting } from './lighting';
export { projectiveTransform } from './projective-transform';
export { createRng, mulberry32 } from './rng';
export type { Rng } from './rng';
export type { Pixels } from './pixels';
