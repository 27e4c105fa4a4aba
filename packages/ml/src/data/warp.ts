/**
 * A training batch's augmentation in one pass over plain arrays: projective warp (bilinear,
 * reflection padding), lighting and normalisation straight from each window's RGB bytes into the
 * batch's NHWC float32 values. It computes what `projectiveTransform` → `applyLighting` →
 * `normalizeBatch` compute as tensor ops, without their full-size intermediate tensors: on wasm
 * those ops cost about 5 ms an image at 224 px, this pass about a fifth of that.
 */
import type { Mat3 } from './matrix';
import { reflectIndex, type Pixels } from './pixels';
import { requiredMargin } from './projective-transform';

/** The square of `image` an augmentation starts from: `side` pixels at (left, top). */
export interface Window {
  image: Pixels;
  left: number;
  top: number;
  side: number;
}

/** Per-channel `a·x + b`, applied to values in [0, 1]. */
export interface Affine3 {
  a: readonly [number, number, number];
  b: readonly [number, number, number];
}

/** One image's lighting: brightness as a logit shift, `logit(change)`, and contrast scale. */
export interface LightingDraw {
  shift: number;
  scale: number;
}

const EPS = 1e-6;
/** Samples of the lighting curve per intensity level. */
const CURVE_STEPS = 16;

/**
 * An image's lighting, sigmoid((logit p + shift)·scale) of p = v / 255, tabulated at every 1/16
 * of an intensity level: a pow per table entry instead of one per value. Between entries it is
 * interpolated linearly, which is within 1e-4 of the exact curve except right next to black or
 * white when the contrast is lowered, where fastai's own 1e-6 clip dominates anyway.
 */
function lightingCurve({ shift, scale }: LightingDraw): Float64Array {
  const curve = new Float64Array(255 * CURVE_STEPS + 2);
  const k = Math.exp(-shift * scale);
  for (let i = 0; i < curve.length; i++) {
    const p = Math.min(Math.max(i / (255 * CURVE_STEPS), EPS), 1 - EPS);
    // = sigmoid((logit p + shift)·scale), with one pow and no logs.
    curve[i] = 1 / (1 + k * Math.pow((1 - p) / p, scale));
  }
  return curve;
}

function onCurve(curve: Float64Array, v: number): number {
  const t = v * CURVE_STEPS;
  const i = t | 0; // t >= 0
  const lo = curve[i]!;
  return lo + (t - i) * (curve[i + 1]! - lo);
}

/**
 * Writes image i of the batch, warped by `matrices[i]` (output pixel → window pixel) to
 * `size`×`size`, lit by `lighting[i]` when given, normalised by `normalize`, into
 * `out[i·size²·3 …]`. The reflection margin is the batch's, as the tensor path pads the whole
 * batch once, so both clamp far samples at the same place.
 */
export function warpBatchInto(
  out: Float32Array,
  windows: readonly Window[],
  matrices: readonly Mat3[],
  size: number,
  lighting: readonly LightingDraw[] | null,
  normalize: Affine3,
): void {
  const side = windows[0]!.side;
  windows.forEach((w, i) => {
    if (w.side !== side)
      throw new Error(`warpBatchInto: window ${i} is ${w.side} pixels wide, expected ${side}.`);
    if (w.left < 0 || w.top < 0 || w.left + side > w.image.width || w.top + side > w.image.height)
      throw new Error(
        `warpBatchInto: window ${i} (${side} at ${w.left}, ${w.top}) does not fit its ${w.image.width}×${w.image.height} image.`,
      );
  });
  const margin = Math.min(requiredMargin(matrices, size, side, side), side - 1);
  const plane = size * size * 3;
  windows.forEach((window, i) => {
    warpOne(
      out.subarray(i * plane, (i + 1) * plane),
      window,
      matrices[i]!,
      size,
      margin,
      lighting?.[i] ?? null,
      normalize,
    );
  });
}

/**
 * The byte offset in the image of each padded coordinate 0 … side + 2·margin of the window,
 * reflected without repeat, starting at `start` with `stride` bytes a pixel.
 */
function reflectedAxis(side: number, margin: number, start: number, stride: number): Int32Array {
  const axis = new Int32Array(side + 2 * margin + 1);
  for (let q = 0; q < axis.length; q++) axis[q] = (start + reflectIndex(q - margin, side)) * stride;
  return axis;
}

function warpOne(
  out: Float32Array,
  { image, left, top, side }: Window,
  m: Mat3,
  size: number,
  margin: number,
  light: LightingDraw | null,
  { a, b }: Affine3,
): void {
  const { data } = image;
  const columns = reflectedAxis(side, margin, left, 3);
  const rows = reflectedAxis(side, margin, top, image.width * 3);
  const last = side + 2 * margin - 1;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
  const curve = light === null ? null : lightingCurve(light);
  const a0 = a[0] / 255;
  const a1 = a[1] / 255;
  const a2 = a[2] / 255;
  const [b0, b1, b2] = b;
  let o = 0;
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const inv = 1 / (m6 * ox + m7 * oy + m8);
      let px = (m0 * ox + m1 * oy + m2) * inv + margin;
      let py = (m3 * ox + m4 * oy + m5) * inv + margin;
      px = px < 0 ? 0 : px > last ? last : px;
      py = py < 0 ? 0 : py > last ? last : py;
      // Both are >= 0 here, so truncation is the floor.
      const x0 = px | 0;
      const y0 = py | 0;
      const fx = px - x0;
      const fy = py - y0;
      const c0 = columns[x0]!;
      const c1 = columns[x0 + 1]!;
      const r0 = rows[y0]!;
      const r1 = rows[y0 + 1]!;
      const w11 = fx * fy;
      const w01 = fx - w11;
      const w10 = fy - w11;
      const w00 = 1 - fx - w10;
      const p00 = r0 + c0;
      const p01 = r0 + c1;
      const p10 = r1 + c0;
      const p11 = r1 + c1;
      const red = w00 * data[p00]! + w01 * data[p01]! + w10 * data[p10]! + w11 * data[p11]!;
      const green =
        w00 * data[p00 + 1]! + w01 * data[p01 + 1]! + w10 * data[p10 + 1]! + w11 * data[p11 + 1]!;
      const blue =
        w00 * data[p00 + 2]! + w01 * data[p01 + 2]! + w10 * data[p10 + 2]! + w11 * data[p11 + 2]!;
      if (curve !== null) {
        out[o] = onCurve(curve, red) * a[0] + b0;
        out[o + 1] = onCurve(curve, green) * a[1] + b1;
        out[o + 2] = onCurve(curve, blue) * a[2] + b2;
      } else {
        out[o] = red * a0 + b0;
        out[o + 1] = green * a1 + b1;
        out[o + 2] = blue * a2 + b2;
      }
      o += 3;
    }
  }
}
