import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode';
import type { Pixels } from './pixels';

/** Three vertical bands, red | green | blue, as a PNG. */
async function bands(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[(y * width + x) * 3 + Math.floor((3 * x) / width)] = 255;
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const rgb = (p: Pixels, x: number, y: number): number[] =>
  Array.from(p.data.subarray((y * p.width + x) * 3, (y * p.width + x) * 3 + 3));
const dominant = (px: number[]): number => px.indexOf(Math.max(...px));

describe('decodeImage', () => {
  it('produces the right size for every fit', async () => {
    const png = await bands(60, 30);
    const sizes = async (fit: 'cover' | 'outside' | 'pad' | 'squish'): Promise<number[]> => {
      const p = await decodeImage(png, 20, fit);
      expect(p.data.length).toBe(p.width * p.height * 3);
      return [p.width, p.height];
    };
    expect(await sizes('cover')).toEqual([20, 20]);
    expect(await sizes('outside')).toEqual([40, 20]);
    expect(await sizes('pad')).toEqual([20, 20]);
    expect(await sizes('squish')).toEqual([20, 20]);
  });

  it('cover keeps the centre; squish keeps everything', async () => {
    const png = await bands(90, 30);
    const cover = await decodeImage(png, 30, 'cover');
    expect([rgb(cover, 0, 15), rgb(cover, 29, 15)].map(dominant)).toEqual([1, 1]);
    const squish = await decodeImage(png, 30, 'squish');
    expect([rgb(squish, 0, 15), rgb(squish, 15, 15), rgb(squish, 29, 15)].map(dominant)).toEqual([
      0, 1, 2,
    ]);
  });

  it('caps very long images at 2:1 around the centre', async () => {
    const p = await decodeImage(await bands(300, 30), 20, 'outside');
    expect([p.width, p.height]).toEqual([40, 20]);
  });

  it('pads by reflecting the border rows', async () => {
    // A vertical gradient, wide: fitted to 40×20 inside 40, then 10 rows mirrored above and below.
    const width = 80;
    const height = 40;
    const data = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) data.fill(y * 6, y * width * 3, (y + 1) * width * 3);
    const png = await sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
    const p = await decodeImage(png, 40, 'pad');
    const column = Array.from({ length: 40 }, (_, y) => rgb(p, 20, y)[0]!);
    for (let k = 1; k <= 10; k++) {
      expect(column[10 - k]).toBe(column[10 + k]); // top border mirrored about row 10
      expect(column[29 + k]).toBe(column[29 - k]); // bottom border mirrored about row 29
    }
    expect(column[10]).toBeLessThan(column[29]!);
  });

  it('turns an EXIF-rotated photo upright', async () => {
    // Stored 40 wide × 20 tall, dark left half; orientation 6 = display rotated 90° clockwise,
    // so upright it is 20 wide × 40 tall with the dark half on top.
    const data = Buffer.alloc(40 * 20 * 3, 255);
    for (let y = 0; y < 20; y++) data.fill(0, y * 120, y * 120 + 60);
    const jpeg = await sharp(data, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const p = await decodeImage(jpeg, 20, 'outside');
    expect([p.width, p.height]).toEqual([20, 40]);
    expect(rgb(p, 10, 5)[0]).toBeLessThan(30);
    expect(rgb(p, 10, 35)[0]).toBeGreaterThan(225);
  });

  it('gives 3 sRGB channels for greyscale and flattens transparency onto white', async () => {
    const grey = await sharp(Buffer.alloc(16 * 16, 100), {
      raw: { width: 16, height: 16, channels: 1 },
    })
      .png()
      .toBuffer();
    const g = await decodeImage(grey, 8, 'squish');
    expect(rgb(g, 3, 3)).toEqual([100, 100, 100]);
    const clear = await sharp({
      create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    expect(rgb(await decodeImage(clear, 8, 'squish'), 3, 3)).toEqual([255, 255, 255]);
  });

  it('refuses broken, truncated and oversized images', async () => {
    await expect(decodeImage(Buffer.from('not an image'), 8, 'cover')).rejects.toThrow();
    const jpeg = await sharp(await bands(64, 64))
      .jpeg()
      .toBuffer();
    await expect(decodeImage(jpeg.subarray(0, jpeg.length - 200), 8, 'cover')).rejects.toThrow();
    await expect(decodeImage(jpeg, 8, 'cover', { maxPixels: 1000 })).rejects.toThrow(
      /pixel limit/i,
    );
  });
});

describe('decodeImage on awkward and hostile inputs', () => {
  const solid = (background: string) =>
    sharp({ create: { width: 24, height: 16, channels: 3, background } });
  const expectClose = (actual: number[], expected: number[], tolerance: number) =>
    actual.forEach((value, i) =>
      expect(Math.abs(value - expected[i]!)).toBeLessThanOrEqual(tolerance),
    );

  it('turns CMYK, 16-bit, palette and grey+alpha images into 3 sRGB channels', async () => {
    const cmyk = await solid('#c04080').toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    expectClose(rgb(await decodeImage(cmyk, 8, 'squish'), 4, 4), [0xc0, 0x40, 0x80], 24);

    const deep = await solid('#c04080').toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    expectClose(rgb(await decodeImage(deep, 8, 'squish'), 4, 4), [0xc0, 0x40, 0x80], 1);

    const palette = await solid('#c04080').png({ palette: true }).toBuffer();
    expect((await sharp(palette).metadata()).isPalette).toBe(true);
    expectClose(rgb(await decodeImage(palette, 8, 'squish'), 4, 4), [0xc0, 0x40, 0x80], 8);

    // Grey 90, left half transparent: white there, grey on the right.
    const greyAlpha = Buffer.alloc(16 * 16 * 2);
    for (let i = 0; i < 256; i++) greyAlpha.set([90, i % 16 < 8 ? 0 : 255], i * 2);
    const png = await sharp(greyAlpha, { raw: { width: 16, height: 16, channels: 2 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(2);
    const p = await decodeImage(png, 16, 'squish');
    expect(p.data.length).toBe(16 * 16 * 3);
    expect(rgb(p, 2, 8)).toEqual([255, 255, 255]);
    expect(rgb(p, 13, 8)).toEqual([90, 90, 90]);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = await Promise.all(['#ff0000', '#0000ff'].map((c) => solid(c).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const p = await decodeImage(gif, 16, 'outside');
    expect([p.width, p.height]).toEqual([24, 16]);
    expect(dominant(rgb(p, 12, 8))).toBe(0);
  });

  it('refuses a pixel bomb (a PNG header declaring 100,000×100,000) before decoding', async () => {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(100_000, 0);
    header.writeUInt32BE(100_000, 4);
    header.set([8, 2], 8);
    const chunk = (type: string, data: Buffer) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(data.length);
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(body));
      return Buffer.concat([length, body, crc]);
    };
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(Buffer.alloc(64))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const rssBefore = process.memoryUsage().rss;
    await expect(decodeImage(bomb, 224, 'cover')).rejects.toThrow(/pixel limit/i);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 ** 3);
  });
});
