import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** One PNG chunk: length, type, data, CRC of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A pixel bomb: a valid PNG header declaring `width`×`height` RGB pixels, followed by a few
 * bytes of image data. Under 100 bytes, yet decoding it would need width·height·3 bytes.
 */
export function writePngPixelBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF whose logical screen and only frame declare 65,535×65,535 pixels. */
export function writeGifPixelBomb(): Buffer {
  const screen = Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    0xff,
    0xff,
    0xff,
    0xff, // logical screen 65535×65535
    0x00,
    0x00,
    0x00, // no global colour table
  ]);
  const frame = Buffer.from([
    0x2c,
    0,
    0,
    0,
    0,
    0xff,
    0xff,
    0xff,
    0xff,
    0x00, // image descriptor, 65535×65535
    0x02,
    0x02,
    0x4c,
    0x01,
    0x00, // LZW min code size 2, one tiny sub-block
    0x3b, // trailer
  ]);
  return Buffer.concat([screen, frame]);
}

/** A valid PNG that also carries an HTML page in a text chunk (an image/HTML polyglot). */
export async function writePngHtmlPolyglot(): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } })
    .png()
    .toBuffer();
  const text = pngChunk(
    'tEXt',
    Buffer.from('Comment\0<html><script>alert(document.cookie)</script></html>', 'latin1'),
  );
  // After the signature and the 25-byte IHDR chunk.
  return Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
}

/** A two-frame animated GIF: the first frame is `first`, the second `second`. */
export function writeAnimatedGif(first: string, second: string, size = 16): Promise<Buffer> {
  const frame = (background: string) =>
    sharp({ create: { width: size, height: size, channels: 3, background } })
      .png()
      .toBuffer();
  return Promise.all([frame(first), frame(second)]).then((frames) =>
    sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer(),
  );
}

/** A grey+alpha PNG (colour type 4): grey `grey` everywhere, the left half fully transparent. */
export function writeGreyAlphaPng(width: number, height: number, grey: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 2);
  for (let i = 0; i < width * height; i++) {
    pixels[2 * i] = grey;
    pixels[2 * i + 1] = i % width < width / 2 ? 0 : 255;
  }
  return sharp(pixels, { raw: { width, height, channels: 2 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}
