/**
 * fastai v1 `get_transforms()` as data: the options, and one random draw of
 * every transform for one image. The draw is pure (an Rng in, numbers out); the
 * tensor work lives in train-batch.ts.
 */
import {
  FLIP_LR,
  IDENTITY,
  compose,
  dihedralMatrix,
  rotationMatrix,
  symmetricWarpMatrix,
  zoomMatrix,
  type Mat3,
} from './matrix';
import { logUniform, randomBool, randomInt, uniform, type Rng } from './rng';

// fastai v1 vision/transform.py get_transforms: parameter names camel-cased.
export interface AugmentOptions {
  /** Random crop position (fastai `rand_crop()`); off = centre crop. */
  doCrop: boolean;
  doFlip: boolean;
  /** With doFlip: any of the 8 dihedral symmetries instead of a left-right flip. */
  flipVert: boolean;
  maxRotate: number;
  maxZoom: number;
  maxLighting: number;
  maxWarp: number;
  pAffine: number;
  pLighting: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  doCrop: true,
  doFlip: true,
  flipVert: false,
  maxRotate: 10,
  maxZoom: 1.1,
  maxLighting: 0.2,
  maxWarp: 0.2,
  pAffine: 0.75,
  pLighting: 0.75,
};

/** What training gets with `augment: false`: fastai's implicit centre `crop_pad`. */
export const NO_AUGMENT: AugmentOptions = {
  ...DEFAULT_AUGMENT,
  doCrop: false,
  doFlip: false,
  maxRotate: 0,
  maxZoom: 1,
  maxLighting: 0,
  maxWarp: 0,
};

export function resolveAugment(
  augment: boolean | Partial<AugmentOptions> | undefined,
): AugmentOptions {
  if (augment === undefined || augment === true) return DEFAULT_AUGMENT;
  if (augment === false) return NO_AUGMENT;
  // Skip explicit `undefined`s so `{ maxRotate: undefined }` keeps the default.
  const given = Object.fromEntries(Object.entries(augment).filter(([, v]) => v !== undefined));
  const resolved: AugmentOptions = { ...DEFAULT_AUGMENT, ...given };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new Error(`augment.${name} must be a finite number, received ${value}.`);
    }
  }
  if (resolved.maxZoom < 1)
    throw new Error(`augment.maxZoom must be >= 1 (1 = no zoom), received ${resolved.maxZoom}.`);
  if (resolved.maxLighting < 0 || resolved.maxLighting >= 1) {
    throw new Error(`augment.maxLighting must be in [0, 1), received ${resolved.maxLighting}.`);
  }
  return resolved;
}

/** Whether the options can change an image at all (false for NO_AUGMENT and its like). */
export function isAugmenting(o: AugmentOptions): boolean {
  const isAffine = o.maxRotate > 0 || o.maxZoom > 1 || o.maxWarp > 0;
  return (
    o.doCrop || o.doFlip || (o.pAffine > 0 && isAffine) || (o.pLighting > 0 && o.maxLighting > 0)
  );
}

/** One image's resolved transforms; `null` = the transform did not fire. */
export interface ImageAugment {
  /** Random crop position in [0, 1) along rows and columns (0.5 = centre). */
  cropRowPct: number;
  cropColPct: number;
  isFlipped: boolean;
  dihedral: number | null;
  warp: [number, number, number, number] | null;
  rotateDegrees: number | null;
  zoom: { scale: number; rowPct: number; colPct: number } | null;
  /** fastai `brightness(change)`: 0.5 = unchanged. */
  brightness: number | null;
  /** fastai `contrast(scale)`: 1 = unchanged. */
  contrast: number | null;
  /** Output → source point, normalised coordinates. */
  matrix: Mat3;
}

/**
 * Draw one image's transforms. Every draw is taken whether or not the
 * transform is enabled, so each image consumes the same amount of the stream
 * and toggling one option leaves the other transforms' values unchanged.
 */
export function drawImageAugment(rng: Rng, o: AugmentOptions): ImageAugment {
  const cropRowPct = rng.next();
  const cropColPct = rng.next();
  const flipDraw = randomBool(rng, 0.5); // fastai flip_lr(p=0.5)
  const dihedralDraw = randomInt(rng, 8); // fastai dihedral_affine(), p=1
  const warpMags: [number, number, number, number] = [0, 0, 0, 0].map(() =>
    uniform(rng, -o.maxWarp, o.maxWarp),
  ) as [number, number, number, number];
  const warpFires = randomBool(rng, o.pAffine);
  const degrees = uniform(rng, -o.maxRotate, o.maxRotate);
  const rotateFires = randomBool(rng, o.pAffine);
  // fastai v1 rand_zoom(scale=(1, max_zoom), row_pct=(0,1), col_pct=(0,1))
  const zoomScale = uniform(rng, 1, o.maxZoom);
  const zoomRow = rng.next();
  const zoomCol = rng.next();
  const zoomFires = randomBool(rng, o.pAffine);
  // fastai v1 get_transforms: brightness(change=(0.5*(1-l), 0.5*(1+l))),
  // contrast(scale=(1-l, 1/(1-l))) drawn log-uniformly.
  const change = uniform(rng, 0.5 * (1 - o.maxLighting), 0.5 * (1 + o.maxLighting));
  const brightnessFires = randomBool(rng, o.pLighting);
  const scale = logUniform(rng, 1 - o.maxLighting, 1 / (1 - o.maxLighting));
  const contrastFires = randomBool(rng, o.pLighting);

  const isFlipped = o.doFlip && !o.flipVert && flipDraw;
  const dihedral = o.doFlip && o.flipVert ? dihedralDraw : null;
  const warp = o.maxWarp > 0 && warpFires ? warpMags : null;
  const rotateDegrees = o.maxRotate > 0 && rotateFires ? degrees : null;
  const zoom =
    o.maxZoom > 1 && zoomFires ? { scale: zoomScale, rowPct: zoomRow, colPct: zoomCol } : null;
  const hasLighting = o.maxLighting > 0;
  return {
    cropRowPct: o.doCrop ? cropRowPct : 0.5,
    cropColPct: o.doCrop ? cropColPct : 0.5,
    isFlipped,
    dihedral,
    warp,
    rotateDegrees,
    zoom,
    brightness: hasLighting && brightnessFires ? change : null,
    contrast: hasLighting && contrastFires ? scale : null,
    matrix: composeAugmentMatrix({ isFlipped, dihedral, warp, rotateDegrees, zoom }),
  };
}

/**
 * fastai v1 applies transforms sorted by `order`: the warp (TfmCoord, 4) moves
 * the sampling grid first, then the affine matrices (TfmAffine, 5) in list
 * order dihedral·rotate·zoom, and the left-right flip (TfmPixel, 10) flips the
 * resampled pixels. As one output → source map: D·R·Z·W·F.
 */
export function composeAugmentMatrix(
  a: Pick<ImageAugment, 'isFlipped' | 'dihedral' | 'warp' | 'rotateDegrees' | 'zoom'>,
): Mat3 {
  return compose(
    a.dihedral === null ? IDENTITY : dihedralMatrix(a.dihedral),
    a.rotateDegrees === null ? IDENTITY : rotationMatrix(a.rotateDegrees),
    a.zoom === null ? IDENTITY : zoomMatrix(a.zoom.scale, a.zoom.rowPct, a.zoom.colPct),
    a.warp === null ? IDENTITY : symmetricWarpMatrix(a.warp),
    a.isFlipped ? FLIP_LR : IDENTITY,
  );
}
