import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A small solid-colour image in the given format, made at test time (no binary fixtures). */
export function makeImage(
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff',
  width = 32,
  height = 24,
  color = '#c04080',
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .toFormat(format)
    .toBuffer();
}

/** Collects any async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * A 2×2 RGB PNG whose pixels encode `seed`, so every seed is a different image. Encoded here
 * rather than by sharp: a test can build tens of thousands in well under a second.
 */
export function makeTinyPng(seed: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0); // width
  header.writeUInt32BE(2, 4); // height
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter choice, no interlace
  const [a, b, c] = [(seed >>> 16) & 255, (seed >>> 8) & 255, seed & 255];
  // Each row: filter byte 0, then two RGB pixels.
  const rows = Buffer.from([0, a, b, c, c, b, a, 0, b, c, a, 255 - a, 255 - b, 255 - c]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
