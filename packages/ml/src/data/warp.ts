/**
 * A training batch's augmentation in one pass over plain arrays: projective warp (bilinear,
 * reflection padding), lighting and normalisation straight from each window's RGB bytes into the
 * batch's NHWC float32 values. It computes what `projectiveTransform` → `applyLighting` →
 * `normalizeBatch` compute as tensor ops, without their full-size intermediate tensors: on wasm
 * those ops cost about 5 ms an image at 224 px, this pass about a fifth of that.
 */
import type { Mat3 } from './matrix';
import type { Pixels } from './pixels';
import { reflectIndex } from './pixels';
import { requiredMargin } from './projective-transform';

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
  const i = Math.floor(t);
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
  windows: readonly Pixels[],
  matrices: readonly Mat3[],
  size: number,
  lighting: readonly LightingDraw[] | null,
  normalize: Affine3,
): void {
  const side = windows[0]!.width;
  windows.forEach((w, i) => {
    if (w.width !== side || w.height !== side)
      throw new Error(
        `warpBatchInto: window ${i} is ${w.width}×${w.height}, expected ${side}×${side}.`,
      );
  });
  const margin = Math.min(requiredMargin(matrices, size, side, side), side - 1);
  const plane = size * size * 3;
  windows.forEach((img, i) => {
    warpOne(
      out.subarray(i * plane, (i + 1) * plane),
      img,
      matrices[i]!,
      size,
      margin,
      lighting?.[i] ?? null,
      normalize,
    );
  });
}

/** Source index of each padded coordinate 0 … side + 2·margin − 1, reflected without repeat. */
function reflectedAxis(side: number, margin: number): Int32Array {
  const axis = new Int32Array(side + 2 * margin + 1);
  for (let q = 0; q < axis.length; q++) axis[q] = reflectIndex(q - margin, side);
  return axis;
}

function warpOne(
  out: Float32Array,
  img: Pixels,
  m: Mat3,
  size: number,
  margin: number,
  light: LightingDraw | null,
  { a, b }: Affine3,
): void {
  const { data, width } = img;
  const axis = reflectedAxis(width, margin);
  const last = width + 2 * margin - 1;
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
  const curve = light === null ? null : lightingCurve(light);
  const a0 = a[0] / 255;
  const a1 = a[1] / 255;
  const a2 = a[2] / 255;
  const [b0, b1, b2] = b;
  let o = 0;
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const w = m6 * ox + m7 * oy + m8;
      let px = (m0 * ox + m1 * oy + m2) / w + margin;
      let py = (m3 * ox + m4 * oy + m5) / w + margin;
      px = px < 0 ? 0 : px > last ? last : px;
      py = py < 0 ? 0 : py > last ? last : py;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const c0 = axis[x0]! * 3;
      const c1 = axis[x0 + 1]! * 3;
      const r0 = axis[y0]! * width * 3;
      const r1 = axis[y0 + 1]! * width * 3;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
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
