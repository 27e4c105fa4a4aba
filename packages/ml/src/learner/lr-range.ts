/** fastai's `slice(b)` / `slice(a, b)` for learning rates across layer groups. */
export interface LrSlice {
  kind: 'slice';
  start?: number;
  stop: number;
}

/** A learning rate for every group, a head rate (`slice(b)`), or a spread (`slice(a, b)`). */
export type LearningRate = number | readonly number[] | LrSlice;

/** `slice(stop)` or `slice(start, stop)`, as in `fitOneCycle(2, slice(1e-6, 1e-4))`. */
export function slice(startOrStop: number, stop?: number): LrSlice {
  return stop == null
    ? { kind: 'slice', stop: startOrStop }
    : { kind: 'slice', start: startOrStop, stop };
}

/**
 * n values from start to stop with a constant ratio (fastai v1 core.py even_mults), ends pinned
 * exactly as numpy.geomspace does.
 */
export function geomspace(start: number, stop: number, n: number): number[] {
  if (n === 1) return [start];
  const step = (stop / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : start * step ** i));
}

/**
 * One learning rate per layer group (fastai v1 Learner.lr_range): a number → the same for every
 * group; slice(b) → b/10 for every earlier group and b for the head; slice(a, b) → geometric
 * from a (first group) to b (head); an array → as given, one per group.
 */
export function lrRange(lr: LearningRate, groups: number): number[] {
  if (typeof lr === 'number') return checked(Array<number>(groups).fill(lr));
  if (Array.isArray(lr)) {
    if (lr.length !== groups) {
      throw new Error(
        `Expected one learning rate per layer group (${groups}), received ${lr.length}: [${lr.join(', ')}].`,
      );
    }
    return checked([...lr]);
  }
  const { start, stop } = lr as LrSlice;
  if (start == null) return checked([...Array<number>(groups - 1).fill(stop / 10), stop]);
  return checked(geomspace(start, stop, groups));
}

function checked(lrs: number[]): number[] {
  if (lrs.some((lr) => !(Number.isFinite(lr) && lr >= 0))) {
    throw new Error(`Learning rates must be finite and >= 0, received [${lrs.join(', ')}].`);
  }
  return lrs;
}

/** For messages and records: "3e-3", "slice(1e-5, 1e-3)". */
export function describeLr(lr: LearningRate): string {
  if (typeof lr === 'number') return String(lr);
  if (Array.isArray(lr)) return `[${lr.join(', ')}]`;
  const s = lr as LrSlice;
  return s.start == null ? `slice(${s.stop})` : `slice(${s.start}, ${s.stop})`;
}
