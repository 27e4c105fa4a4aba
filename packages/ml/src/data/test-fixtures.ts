/** Synthetic images for the data tests (built by the tests, never stored). */
import sharp from 'sharp';
import type { ImageSource, Item } from './items';
import { createRng } from './rng';

export const CLASS_COLOURS: Record<string, [number, number, number]> = {
  red: [200, 40, 40],
  green: [40, 200, 40],
  blue: [40, 40, 200],
};

/** A noisy image of one class colour with a dark left column band, so flips and crops show. */
export async function syntheticPng(
  colour: [number, number, number],
  width: number,
  height: number,
  seed: number,
): Promise<Buffer> {
  const rng = createRng(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dark = x < width / 4 ? 0.3 : 1;
      for (let c = 0; c < 3; c++)
        data[(y * width + x) * 3 + c] = Math.round(colour[c]! * dark * (0.8 + 0.2 * rng.next()));
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** `perClass` train and `validPerClass` valid images per colour, held in memory, and a counting source. */
export async function syntheticDataset(
  perClass: number,
  validPerClass: number,
  shape: { width: number; height: number } = { width: 48, height: 32 },
): Promise<{ items: Item[]; source: ImageSource; reads: Map<string, number> }> {
  const bytes = new Map<string, Buffer>();
  const items: Item[] = [];
  let seed = 0;
  for (const [label, colour] of Object.entries(CLASS_COLOURS)) {
    for (let i = 0; i < perClass + validPerClass; i++) {
      const split = i < perClass ? 'train' : 'valid';
      const key = `${split}/${label}/${i}.png`;
      bytes.set(key, await syntheticPng(colour, shape.width, shape.height, seed++));
      items.push({ key, label, split });
    }
  }
  const reads = new Map<string, number>();
  const source: ImageSource = async (key) => {
    reads.set(key, (reads.get(key) ?? 0) + 1);
    const b = bytes.get(key);
    if (!b) throw new Error(`no such key ${key}`);
    return b;
  };
  return { items, source, reads };
}
