/** Image formats the studio imports (what sharp's prebuilt binaries decode). */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

/** What the first bytes of a file say it is. */
export type SniffResult =
  | { kind: 'image'; format: ImageFormat }
  | { kind: 'unsupported-image'; name: string }
  | { kind: 'other'; description: string };

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length &&
  signature.every((byte, i) => bytes[offset + i] === byte);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/**
 * Detects a format by magic bytes, so a PNG named `.jpg` imports and a text file named
 * `.jpg` is reported as text instead of as a broken JPEG.
 */
export function sniffFormat(bytes: Uint8Array): SniffResult {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'image', format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', format: 'png' };
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a')))
    return { kind: 'image', format: 'gif' };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8))
    return { kind: 'image', format: 'webp' };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return { kind: 'image', format: 'tiff' };
  if (startsWith(bytes, ascii('ftyp'), 4)) return sniffIsoMedia(bytes);
  if (startsWith(bytes, ascii('BM'))) return { kind: 'unsupported-image', name: 'BMP' };
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]))
    return { kind: 'unsupported-image', name: 'ICO' };
  if (startsWith(bytes, ascii('8BPS'))) return { kind: 'unsupported-image', name: 'Photoshop PSD' };
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]))
    return { kind: 'other', description: 'a zip archive' };
  if (startsWith(bytes, [0x1f, 0x8b]))
    return { kind: 'other', description: 'gzip-compressed data' };
  if (startsWith(bytes, ascii('%PDF'))) return { kind: 'other', description: 'a PDF document' };
  if (isText(bytes))
    return looksLikeSvg(bytes)
      ? { kind: 'unsupported-image', name: 'SVG' }
      : { kind: 'other', description: 'text' };
  return { kind: 'other', description: 'not a known image format' };
}

/** AVIF and HEIC share the ISO media container; the brands say which codec is inside. */
function sniffIsoMedia(bytes: Uint8Array): SniffResult {
  const boxSize =
    ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  const end = Math.min(bytes.length, Math.max(16, boxSize));
  const brands: string[] = [];
  for (let offset = 8; offset + 4 <= end; offset += 4) {
    if (offset === 12) continue; // minor version, not a brand
    brands.push(String.fromCharCode(...bytes.subarray(offset, offset + 4)));
  }
  if (brands.includes('avif') || brands.includes('avis')) return { kind: 'image', format: 'avif' };
  if (brands.some((brand) => ['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1'].includes(brand))) {
    return { kind: 'unsupported-image', name: 'HEIC' };
  }
  return { kind: 'other', description: 'a video or ISO media file' };
}

/** No NUL and valid UTF-8 in the first kilobyte: good enough to tell a CSV from a photo. */
function isText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  if (head.length === 0 || head.includes(0)) return false;
  try {
    // `stream: true` lets a multi-byte character cut at the 1024-byte boundary pass as text.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  return /<svg[\s>]/i.test(new TextDecoder().decode(bytes.subarray(0, 1024)));
}
