/**
 * 3×3 projective matrices for the geometric augmentations, in fastai v1's
 * convention: a matrix maps an *output* point to the *source* point it samples
 * from, in normalised coordinates where the image spans [-1, 1] on both axes
 * (x = column, y = row, pixel centres of the first/last pixel at ±1, i.e.
 * PyTorch's `align_corners=True` grid that fastai v1 builds in `_affine_grid`).
 */

/** Row-major [a, b, c, d, e, f, g, h, i]. */
export type Mat3 = readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];
export type Point = readonly [number, number];

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function multiply(a: Mat3, b: Mat3): Mat3 {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out.push(a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!);
    }
  }
  return out as unknown as Mat3;
}

/** Multiply left to right: compose(A, B, C) = A·B·C, so C acts on the point first. */
export function compose(...ms: Mat3[]): Mat3 {
  return ms.reduce((acc, m) => multiply(acc, m), IDENTITY);
}

export function applyToPoint(m: Mat3, [x, y]: Point): Point {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

// fastai v1 vision/transform.py _rotate
export function rotationMatrix(degrees: number): Mat3 {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  return [cos, -sin, 0, sin, cos, 0, 0, 0, 1];
}

// fastai v1 vision/transform.py _zoom / _get_zoom_mat: `rowPct`, `colPct` in
// [0, 1] pick the focal point; 0.5 zooms into the centre.
export function zoomMatrix(scale: number, rowPct = 0.5, colPct = 0.5): Mat3 {
  const s = 1 - 1 / scale;
  const c = s * (2 * colPct - 1);
  const r = s * (2 * rowPct - 1);
  return [1 / scale, 0, c, 0, 1 / scale, r, 0, 0, 1];
}

/** Horizontal flip (fastai v1 flip_lr, done as a matrix so it fuses with the rest). */
export const FLIP_LR: Mat3 = [-1, 0, 0, 0, 1, 0, 0, 0, 1];

// fastai v1 vision/transform.py _dihedral_affine: k in 0..7.
export function dihedralMatrix(k: number): Mat3 {
  const x = k & 1 ? -1 : 1;
  const y = k & 2 ? -1 : 1;
  return k & 4 ? [0, x, 0, y, 0, 0, 0, 0, 1] : [x, 0, 0, 0, y, 0, 0, 0, 1];
}

/**
 * The homography H with H(from[i]) = to[i] for four point pairs
 * (fastai v1 vision/transform.py _find_coeffs, solved directly).
 */
export function homography(from: readonly Point[], to: readonly Point[]): Mat3 {
  const rows: number[][] = [];
  const rhs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    rows.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    rhs.push(u);
    rows.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    rhs.push(v);
  }
  const h = solveLinear(rows, rhs);
  return [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
}

const CORNERS: readonly Point[] = [
  [-1, -1],
  [-1, 1],
  [1, -1],
  [1, 1],
];

/**
 * fastai v1 vision/transform.py _symmetric_warp: the output's corners move to
 * the target points built from four magnitudes, and every output point samples
 * H(point) where H maps the targets back onto the original corners.
 */
export function symmetricWarpMatrix(m: readonly [number, number, number, number]): Mat3 {
  const [m0, m1, m2, m3] = m;
  const targets: Point[] = [
    [-1 - m3, -1 - m1],
    [-1 - m2, 1 + m1],
    [1 + m3, -1 - m0],
    [1 + m2, 1 + m0],
  ];
  return homography(targets, CORNERS);
}

/** Gaussian elimination with partial pivoting; `a` is n×n. */
export function solveLinear(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) throw new Error('solveLinear: the system is singular');
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]!;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = m[r]!;
      const f = row[col]! / p[col]!;
      for (let c = col; c <= n; c++) row[c] = row[c]! - f * p[c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * Express a normalised matrix in pixel coordinates: output pixel (x, y) of an
 * `outSize` square → source pixel of an `srcSize` square. Pixel i maps to
 * -1 + 2i/(n-1) (align_corners=True), so the identity with equal sizes is the
 * exact pixel identity and a flip maps pixel i to n-1-i.
 */
export function toPixelSpace(m: Mat3, outSize: number, srcSize: number): Mat3 {
  const toNorm: Mat3 = [2 / (outSize - 1), 0, -1, 0, 2 / (outSize - 1), -1, 0, 0, 1];
  const half = (srcSize - 1) / 2;
  const toPixel: Mat3 = [half, 0, half, 0, half, half, 0, 0, 1];
  return compose(toPixel, m, toNorm);
}

export function translation(dx: number, dy: number): Mat3 {
  return [1, 0, dx, 0, 1, dy, 0, 0, 1];
}

/** The 8 numbers `tf.image.transform` expects (matrix scaled so the last entry is 1). */
export function toTransformVector(m: Mat3): number[] {
  const k = m[8];
  return [m[0] / k, m[1] / k, m[2] / k, m[3] / k, m[4] / k, m[5] / k, m[6] / k, m[7] / k];
}
