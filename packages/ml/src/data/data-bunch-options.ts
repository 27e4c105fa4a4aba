/** Options of `createDataBunch`, their defaults and their checks. */
import { resolveAugment, type AugmentOptions } from './augment';
import type { DecodeOptions, ResizeMode } from './decode';
import { ImageCache } from './image-cache';
import type { NormalizeSpec } from './normalize';

export interface DataBunchOptions {
  /** Output side in pixels (fastai `size`). Default 224. */
  size?: number;
  /** Default 'crop'. */
  resizeMode?: ResizeMode;
  /** Training batch size; default 64. */
  bs?: number;
  /** Validation/test batch size; default `bs`. */
  validBs?: number;
  /** Seeds shuffling and augmentation; same seed → same batches. Default 0. */
  seed?: number;
  /** `true` = fastai `get_transforms()` defaults; an object overrides some of them. Default true. */
  augment?: boolean | Partial<AugmentOptions>;
  /** Default ImageNet statistics. */
  normalize?: NormalizeSpec;
  /**
   * Cached training short side relative to `size`; default 1.15. fastai v1
   * resamples the original through flow fields that include the resize (and
   * area-shrinks big originals to about 2× the output first, vision/image.py
   * `_grid_sample`); caching 1.15× (≈ 256/224, the classic ImageNet margin)
   * keeps real pixels for the crop, zoom and rotation at a fraction of 2×'s
   * memory, ~200 kB an image at size 224.
   */
  trainScale?: number;
  /** Images decoded at once per batch (sharp adds its own libvips threads). Default 4. */
  concurrency?: number;
  /** Batches prepared ahead of the consumer. Default 1. */
  prefetch?: number;
  /**
   * Share decoded pixels between bunches over the same source (e.g. a
   * re-created bunch with a new bs); entries are keyed by item key, not source.
   */
  cache?: ImageCache;
  /** Decoder pixel limit; default 40 MP. */
  maxPixels?: DecodeOptions['maxPixels'];
}

export type ResolvedOptions = Required<Omit<DataBunchOptions, 'augment' | 'maxPixels'>> & {
  augment: AugmentOptions;
  maxPixels: number | undefined;
};

function checkPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, received ${value}.`);
  }
}

export function resolveOptions(options: DataBunchOptions): ResolvedOptions {
  const bs = options.bs ?? 64;
  const resolved: ResolvedOptions = {
    size: options.size ?? 224,
    resizeMode: options.resizeMode ?? 'crop',
    bs,
    validBs: options.validBs ?? bs,
    seed: options.seed ?? 0,
    augment: resolveAugment(options.augment),
    normalize: options.normalize ?? { kind: 'imagenet' },
    trainScale: options.trainScale ?? 1.15,
    concurrency: options.concurrency ?? 4,
    prefetch: options.prefetch ?? 1,
    cache: options.cache ?? new ImageCache(),
    maxPixels: options.maxPixels,
  };
  const { size, validBs, concurrency, prefetch, trainScale, resizeMode } = resolved;
  for (const [name, value] of Object.entries({ size, bs, validBs, concurrency, prefetch })) {
    checkPositiveInt(name, value);
  }
  if (size < 2) throw new Error(`size must be at least 2, received ${size}.`);
  if (!(trainScale >= 1 && trainScale <= 4)) {
    throw new Error(`trainScale must be in [1, 4], received ${trainScale}.`);
  }
  if (!['crop', 'pad', 'squish'].includes(resizeMode)) {
    throw new Error(`resizeMode must be 'crop', 'pad' or 'squish', received "${resizeMode}".`);
  }
  if (!Number.isInteger(resolved.seed)) {
    throw new Error(`seed must be an integer, received ${resolved.seed}.`);
  }
  return resolved;
}
