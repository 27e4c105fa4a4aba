/**
 * Bytes → RGB pixels at the size the loaders need, with sharp.
 * Strict on purpose (DESIGN §7): a pixel limit, `failOn: 'warning'`,
 * EXIF auto-orientation, sRGB, alpha flattened, always 3 channels.
 */
import sharp from 'sharp';
import { capLongSide, reflectPadToSquare, type Pixels } from './pixels';

/** fastai v1 ResizeMethod: CROP (default), PAD (reflection), SQUISH. */
export type ResizeMode = 'crop' | 'pad' | 'squish';

/**
 * The shape cached for a loader:
 * - `cover`: short side scaled to `side`, centre crop to a square (validation crop);
 * - `outside`: short side scaled to `side`, aspect kept (training crop: the random
 *   crop position is chosen per epoch), the long side capped at MAX_ASPECT·side;
 * - `pad`: fit inside the square, then reflection padding;
 * - `squish`: stretched to the square.
 */
export type Fit = 'cover' | 'outside' | 'pad' | 'squish';

export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Beyond 2:1 the random crop would rarely matter and memory would; crop the middle. */
export const MAX_ASPECT = 2;

export interface DecodeOptions {
  /** Refuse larger images before decoding them (sharp `limitInputPixels`). */
  maxPixels?: number;
}

const SHARP_FIT = { cover: 'cover', outside: 'outside', pad: 'inside', squish: 'fill' } as const;

export async function decodeImage(
  bytes: Uint8Array,
  side: number,
  fit: Fit,
  options: DecodeOptions = {},
): Promise<Pixels> {
  const { data, info } = await sharp(bytes, {
    limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    failOn: 'warning',
  })
    .rotate() // EXIF orientation → upright
    .resize({ width: side, height: side, fit: SHARP_FIT[fit], position: 'centre' })
    // Transparent pixels' stored colour is arbitrary; white is what a viewer shows.
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) {
    throw new Error(
      `decodeImage: expected 3 channels after conversion to sRGB, got ${info.channels}.`,
    );
  }
  const pixels: Pixels = {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
  if (fit === 'pad') return reflectPadToSquare(pixels, side);
  if (fit === 'outside') return capLongSide(pixels, Math.round(MAX_ASPECT * side));
  return pixels;
}
