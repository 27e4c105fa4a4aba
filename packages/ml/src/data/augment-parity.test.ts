import { describe, expect, it } from 'vitest';
import { composeAugmentMatrix, type ImageAugment } from './augment';
import golden from './golden/augment-parity.json';
import type { Pixels } from './pixels';
import { trainBatchValues } from './train-batch';

// Parity with the PyTorch reference of the lesson's recipe: scripts/parity/make_augment_golden.py
// applied recipe_reference.py's fastai v1 augmentation to the image below under each case's
// draws (fixed ones, one transform at a time and all together, and draws from the reference's
// own generator). Here the studio's training-batch pipeline applies the same draws.

interface GoldenDraw {
  row_pct: number;
  col_pct: number;
  flip: boolean;
  warp: number[] | null;
  rotate: number | null;
  zoom: number[] | null;
  brightness: number | null;
  contrast: number | null;
}

/** The same formula as make_augment_golden.py's `pixel`. */
function testImage(size: number): Pixels {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++)
        data[(y * size + x) * 3 + c] = (7 * x + 11 * y + 60 * c + ((x * y + 3 * c) % 7) * 9) % 256;
  return { data, width: size, height: size };
}

function toAugment(d: GoldenDraw): ImageAugment {
  const parts = {
    isFlipped: d.flip,
    dihedral: null,
    warp: d.warp as [number, number, number, number] | null,
    rotateDegrees: d.rotate,
    zoom: d.zoom && { scale: d.zoom[0]!, rowPct: d.zoom[1]!, colPct: d.zoom[2]! },
  };
  return {
    ...parts,
    cropRowPct: d.row_pct,
    cropColPct: d.col_pct,
    brightness: d.brightness,
    contrast: d.contrast,
    matrix: composeAugmentMatrix(parts),
  };
}

describe('training augmentation against the PyTorch reference', () => {
  const image = testImage(golden.size);

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const ours = trainBatchValues([image], [toAugment(c.draw as GoldenDraw)], golden.size, {
      kind: 'scale',
      min: 0,
      max: 1,
    });
    expect(ours.length).toBe(c.pixels.length);
    let worst = 0;
    c.pixels.forEach((v, i) => (worst = Math.max(worst, Math.abs(ours[i]! - v))));
    // The lighting curve is tabulated (warp.ts, within 1e-4); measured worst case 7e-6.
    expect(worst).toBeLessThan(1e-4);
  });

  it('covers every transform the reference draws', () => {
    const fired = (key: keyof GoldenDraw) =>
      golden.cases.some((c) => {
        const v = (c.draw as GoldenDraw)[key];
        return v !== null && v !== false;
      });
    for (const key of ['flip', 'warp', 'rotate', 'zoom', 'brightness', 'contrast'] as const)
      expect(fired(key), key).toBe(true);
  });
});
