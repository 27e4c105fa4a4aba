import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './image-store';
import { importEntries } from './import-entries';
import { scanImage } from './scan-image';
import type { SourceEntry } from './source-entry';
import {
  writeAnimatedGif,
  writeGifPixelBomb,
  writeGreyAlphaPng,
  writePngHtmlPolyglot,
  writePngPixelBomb,
} from './test-helpers/hostile-images';
import { makeImage } from './test-helpers/images';
import { measureCost } from './test-helpers/measure';

const GiB = 1024 ** 3;
const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#c04080' } });

describe('hostile images', () => {
  it.each([
    ['a PNG declaring 100,000×100,000', () => writePngPixelBomb(100_000, 100_000), '10000 MP'],
    ['a PNG declaring 900,000×900,000', () => writePngPixelBomb(900_000, 900_000), '810000 MP'],
    ['a GIF declaring 65,535×65,535', writeGifPixelBomb, '4294.8 MP'],
  ])('refuses %s from its header, without decoding', async (_, make, megapixels) => {
    const bomb = make();
    expect(bomb.length).toBeLessThan(200);
    const cost = await measureCost(() => scanImage(bomb, 'bomb.png'));
    expect(cost.outcome).toEqual({
      ok: true,
      value: { ok: false, reason: expect.stringContaining(`= ${megapixels} > 40 MP)`) },
    });
    expect(cost.ms).toBeLessThan(1000);
    expect(cost.peakRssDeltaBytes).toBeLessThan(GiB);
  });

  it('refuses a PNG wider than libpng accepts (2,147,483,647×1) as corrupt', async () => {
    expect(await scanImage(writePngPixelBomb(2 ** 31 - 1, 1), 'wide.png')).toEqual({
      ok: false,
      reason:
        'corrupt image (png): Input buffer has corrupt header: pngload_buffer: image width exceeds user limit',
    });
  });

  it('skips a truncated JPEG with a reason', async () => {
    const jpeg = await makeImage('jpeg', 300, 200);
    for (const cut of [0.9, 0.5, 0.1]) {
      const result = await scanImage(jpeg.subarray(0, Math.floor(jpeg.length * cut)), 't.jpg');
      expect(result).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/truncated|corrupt/),
      });
    }
  });

  it.each([
    ['a CMYK JPEG', () => solid(64, 48).toColourspace('cmyk').jpeg().toBuffer(), 'jpeg', 64, 48],
    ['a 16-bit PNG', () => solid(64, 48).toColourspace('rgb16').png().toBuffer(), 'png', 64, 48],
    ['a grey+alpha PNG', () => writeGreyAlphaPng(64, 48, 90), 'png', 64, 48],
    ['a palette PNG', () => solid(64, 48).png({ palette: true }).toBuffer(), 'png', 64, 48],
    ['an animated GIF (first frame)', () => writeAnimatedGif('#f00', '#00f', 40), 'gif', 40, 40],
    [
      'an EXIF orientation 6 JPEG (upright: width and height swapped)',
      () => solid(64, 48).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
      'jpeg',
      48,
      64,
    ],
  ])('imports %s', async (_, make, format, width, height) => {
    const result = await scanImage(await make(), 'photo.img');
    expect(result).toMatchObject({ ok: true, info: { format, width, height } });
    const thumbnail = (result as { thumbnail: { bytes: Buffer } }).thumbnail;
    const shown = await sharp(thumbnail.bytes).metadata();
    expect([shown.width, shown.height]).toEqual([width, height]);
  });

  it('refuses SVG, even with an XML prolog or an image extension: it is a document that can run script', async () => {
    const svg = Buffer.from(
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' +
        '<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>',
    );
    for (const name of ['x.svg', 'x.png', 'x.jpg']) {
      expect(await scanImage(svg, name)).toEqual({
        ok: false,
        reason: 'unsupported image format (SVG): convert it to JPEG or PNG',
      });
    }
  });

  it('refuses HTML named .png by its content', async () => {
    const html = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
    expect(await scanImage(html, 'cat.png')).toEqual({
      ok: false,
      reason: 'not an image (extension .png but content is text)',
    });
  });

  it('refuses a GIF/JavaScript polyglot that only looks like a GIF', async () => {
    const polyglot = Buffer.from('GIF89a/*\0\0\0\0*/=1;alert(document.domain)//', 'latin1');
    expect(await scanImage(polyglot, 'x.gif')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^corrupt image \(gif\)/),
    });
  });

  it('imports a genuine PNG that also carries HTML as an image (served as image/png, never as a page)', async () => {
    const result = await scanImage(await writePngHtmlPolyglot(), 'x.html');
    expect(result).toMatchObject({ ok: true, info: { format: 'png', width: 8, height: 8 } });
  });

  it('imports the good images of a batch and gives every bad one a reason', async () => {
    const entries: SourceEntry[] = [
      {
        kind: 'file',
        path: 'ok/cmyk.jpg',
        bytes: await solid(20, 10).toColourspace('cmyk').jpeg().toBuffer(),
      },
      { kind: 'file', path: 'ok/anim.gif', bytes: await writeAnimatedGif('#f00', '#00f') },
      { kind: 'file', path: 'bad/bomb.png', bytes: writePngPixelBomb(100_000, 100_000) },
      { kind: 'file', path: 'bad/page.png', bytes: Buffer.from('<html><script>1</script></html>') },
      { kind: 'file', path: 'bad/logo.svg', bytes: Buffer.from('<svg><script>1</script></svg>') },
    ];
    const result = await importEntries(
      (async function* () {
        yield* entries;
      })(),
      createMemoryStore(),
    );
    expect(result.files.map((file) => file.path)).toEqual(['ok/anim.gif', 'ok/cmyk.jpg']);
    expect(result.skipped.map((skip) => [skip.path, skip.reason])).toEqual([
      ['bad/bomb.png', 'too many pixels (100000×100000 = 10000 MP > 40 MP)'],
      ['bad/logo.svg', 'unsupported image format (SVG): convert it to JPEG or PNG'],
      ['bad/page.png', 'not an image (extension .png but content is text)'],
    ]);
  });
});
