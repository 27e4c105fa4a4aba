/** Decoded images as plain RGB bytes, and the pure crops and pads applied to them. */

/** Interleaved RGB, row-major, 3 bytes a pixel. */
export interface Pixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export function cropPixels(
  p: Pixels,
  left: number,
  top: number,
  width: number,
  height: number,
): Pixels {
  if (left < 0 || top < 0 || left + width > p.width || top + height > p.height) {
    throw new Error(
      `cropPixels: ${width}×${height} at (${left}, ${top}) does not fit a ${p.width}×${p.height} image.`,
    );
  }
  if (left === 0 && top === 0 && width === p.width && height === p.height) return p;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const start = ((top + y) * p.width + left) * 3;
    data.set(p.data.subarray(start, start + width * 3), y * width * 3);
  }
  return { data, width, height };
}

// fastai v1 vision/transform.py _crop_pad_default: row = int((rows_in - rows + 1) * row_pct),
// so pct 0.5 is the centre and pct in [0, 1) reaches every position.
export function cropOffset(length: number, window: number, pct: number): number {
  return Math.min(length - window, Math.max(0, Math.floor((length - window + 1) * pct)));
}

/** Centre crop the longer side down to at most `maxLong` pixels. */
export function capLongSide(p: Pixels, maxLong: number): Pixels {
  const width = Math.min(p.width, maxLong);
  const height = Math.min(p.height, maxLong);
  return cropPixels(
    p,
    cropOffset(p.width, width, 0.5),
    cropOffset(p.height, height, 0.5),
    width,
    height,
  );
}

/**
 * Index into a length-n axis with reflection that does not repeat the edge
 * (PyTorch `F.pad(mode='reflect')`: … c b | a b c d | c b …), repeated for
 * pads wider than the image.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * Reflection-pad to a `side` square, the image centred (fastai v1 crop_pad
 * with padding_mode='reflection' after fitting the image inside the square;
 * an odd remainder goes to the bottom/right, as fastai's pad-then-crop does).
 */
export function reflectPadToSquare(p: Pixels, side: number): Pixels {
  if (p.width > side || p.height > side) {
    throw new Error(
      `reflectPadToSquare: a ${p.width}×${p.height} image does not fit a ${side} square.`,
    );
  }
  const left = Math.floor((side - p.width) / 2);
  const top = Math.floor((side - p.height) / 2);
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const sy = reflectIndex(y - top, p.height);
    for (let x = 0; x < side; x++) {
      const s = (sy * p.width + reflectIndex(x - left, p.width)) * 3;
      const d = (y * side + x) * 3;
      data[d] = p.data[s]!;
      data[d + 1] = p.data[s + 1]!;
      data[d + 2] = p.data[s + 2]!;
    }
  }
  return { data, width: side, height: side };
}
