import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { scanImage } from './scan-image';
import { makeImage } from './test-helpers/images';

describe('scanImage', () => {
  it.each([['jpeg'], ['png'], ['webp'], ['gif'], ['avif'], ['tiff']] as const)(
    'accepts %s by its bytes and makes a WebP thumbnail',
    async (format) => {
      const result = await scanImage(await makeImage(format, 320, 200), `x.${format}`);
      expect(result).toMatchObject({
        ok: true,
        info: { format, width: 320, height: 200 },
        thumbnail: { format: 'webp', width: 160, height: 100 },
      });
    },
  );

  it('detects the format by content, not by extension', async () => {
    const result = await scanImage(await makeImage('png'), 'photo.jpg');
    expect(result).toMatchObject({ ok: true, info: { format: 'png' } });
  });

  it('reports width and height after EXIF orientation', async () => {
    const rotated = await sharp({
      create: { width: 400, height: 300, channels: 3, background: '#f00' },
    })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const result = await scanImage(rotated, 'r.jpg');
    expect(result).toMatchObject({
      ok: true,
      info: { width: 300, height: 400 },
      thumbnail: { width: 120, height: 160 },
    });
  });

  it('skips a 0-byte file', async () => {
    expect(await scanImage(Buffer.alloc(0), 'empty.jpg')).toEqual({
      ok: false,
      reason: 'empty file (0 bytes)',
    });
  });

  it.each([['jpeg'], ['png']] as const)('skips a truncated %s', async (format) => {
    const whole = await makeImage(format, 200, 200, '#123456');
    const noisy = await sharp(
      Buffer.from(Array.from({ length: 200 * 200 * 3 }, (_, i) => (i * 7919) % 256)),
      { raw: { width: 200, height: 200, channels: 3 } },
    )
      .toFormat(format)
      .toBuffer();
    for (const bytes of [whole, noisy]) {
      const result = await scanImage(
        bytes.subarray(0, Math.floor(bytes.length * 0.6)),
        `t.${format}`,
      );
      expect(result).toEqual({ ok: false, reason: 'truncated image' });
    }
  });

  it('skips a text file with an image extension, naming both', async () => {
    expect(await scanImage(Buffer.from('<html>not found</html>'), 'cat.jpg')).toEqual({
      ok: false,
      reason: 'not an image (extension .jpg but content is text)',
    });
    expect(await scanImage(Buffer.from([0, 1, 2, 3, 4, 5]), 'cat.png')).toEqual({
      ok: false,
      reason: 'not an image (extension .png but content is not a known image format)',
    });
    expect(await scanImage(Buffer.from('<annotation/>'), 'cat.xml')).toEqual({
      ok: false,
      reason: 'not an image (.xml file, content is text)',
    });
  });

  it('skips a 64-megapixel decompression bomb before decoding it', async () => {
    const bomb = await sharp({
      create: { width: 8000, height: 8000, channels: 3, background: '#00f' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000);
    expect(await scanImage(bomb, 'bomb.png')).toEqual({
      ok: false,
      reason: 'too many pixels (8000×8000 = 64 MP > 40 MP)',
    });
  });

  it('names unsupported image formats', async () => {
    const bmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
    expect(await scanImage(bmp, 'a.bmp')).toEqual({
      ok: false,
      reason: 'unsupported image format (BMP): convert it to JPEG or PNG',
    });
    expect(
      await scanImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'a.svg'),
    ).toMatchObject({ reason: /SVG/ });
  });

  it('skips decoding when asked (the image is already stored)', async () => {
    expect(
      await scanImage(await makeImage('jpeg'), 'a.jpg', { shouldDecode: false }),
    ).toMatchObject({ ok: true, thumbnail: null });
  });
});
