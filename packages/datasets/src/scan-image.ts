import sharp from 'sharp';
import { getExtension } from './path-parts';
import { sniffFormat, type ImageFormat } from './sniff-format';

/** How strictly images are checked and how thumbnails look. */
export interface ScanOptions {
  /** Larger images are skipped before decoding (a decompression bomb decodes to gigabytes). Default 40 MP. */
  maxPixels?: number;
  /** Longest side of the browsing thumbnail, in pixels. Default 160. */
  thumbnailSize?: number;
  /** Decode the whole image (proves it is not truncated) and render the thumbnail. Default true. */
  shouldDecode?: boolean;
}

/** Facts about an image that passed the checks; width and height are after EXIF orientation. */
export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

/** A small WebP for the dataset browser. */
export interface Thumbnail {
  bytes: Buffer;
  width: number;
  height: number;
  format: 'webp';
}

export type ScanResult =
  { ok: true; info: ImageInfo; thumbnail: Thumbnail | null } | { ok: false; reason: string };

export const DEFAULT_MAX_PIXELS = 40_000_000;
const DEFAULT_THUMBNAIL_SIZE = 160;
const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
  '.bmp',
  '.heic',
  '.heif',
]);

/**
 * fastai's `get_image_files` plus verification: recognise the format by its bytes, read the
 * header, refuse pixel bombs before decoding, then decode fully under `failOn: 'warning'` so
 * truncated and corrupt files are skipped with a reason instead of failing a training run later.
 */
export async function scanImage(
  bytes: Buffer,
  path: string,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  const sniffed = sniffFormat(bytes);
  if (sniffed.kind === 'unsupported-image')
    return {
      ok: false,
      reason: `unsupported image format (${sniffed.name}): convert it to JPEG or PNG`,
    };
  if (sniffed.kind === 'other')
    return { ok: false, reason: describeNonImage(path, sniffed.description) };

  let info: ImageInfo;
  try {
    // Header only: cheap, and done without the pixel limit so the reason can state the size.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    const width = metadata.autoOrient?.width ?? metadata.width;
    const height = metadata.autoOrient?.height ?? metadata.height;
    if (!width || !height)
      return {
        ok: false,
        reason: `corrupt image (${sniffed.format}): no width or height in the header`,
      };
    info = { format: sniffed.format, width, height };
  } catch (error) {
    return { ok: false, reason: describeDecodeError(error, sniffed.format) };
  }
  if (info.width * info.height > maxPixels) {
    return {
      ok: false,
      reason: `too many pixels (${info.width}×${info.height} = ${formatMegapixels(info.width * info.height)} > ${formatMegapixels(maxPixels)})`,
    };
  }
  if (options.shouldDecode === false) return { ok: true, info, thumbnail: null };

  try {
    const size = options.thumbnailSize ?? DEFAULT_THUMBNAIL_SIZE;
    const { data, info: out } = await sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: 'warning',
    })
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      // effort 0 halves the encode time (8 → 4 ms per photo); at 160 px the difference is invisible.
      .webp({ quality: 75, effort: 0 })
      .toBuffer({ resolveWithObject: true });
    return {
      ok: true,
      info,
      thumbnail: { bytes: data, width: out.width, height: out.height, format: 'webp' },
    };
  } catch (error) {
    return { ok: false, reason: describeDecodeError(error, sniffed.format) };
  }
}

function describeNonImage(path: string, description: string): string {
  const extension = getExtension(path);
  if (IMAGE_EXTENSIONS.has(extension))
    return `not an image (extension ${extension} but content is ${description})`;
  return extension
    ? `not an image (${extension} file, content is ${description})`
    : `not an image (content is ${description})`;
}

/** Turns libvips' wording into a reason a user can act on. */
function describeDecodeError(error: unknown, format: ImageFormat): string {
  const message = String((error as Error)?.message ?? error).split('\n')[0] ?? '';
  if (
    /premature end|end of stream|unexpected end|truncated|not enough data|short read|read error/i.test(
      message,
    )
  )
    return 'truncated image';
  if (/exceeds pixel limit/i.test(message)) return 'too many pixels (over the pixel limit)';
  return `corrupt image (${format}): ${message}`;
}

/** `64000000` → `64 MP`, `40500000` → `40.5 MP`. */
function formatMegapixels(pixels: number): string {
  return `${Number((pixels / 1e6).toFixed(1))} MP`;
}
