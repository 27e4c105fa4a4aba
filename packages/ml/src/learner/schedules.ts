// Annealing functions and schedules as pure functions of the position in training
// (fastai v1 callback.py annealing_* and callbacks/one_cycle.py).

/** A value as a function of the fraction `pct` ∈ [0, 1] of one phase. */
export type Anneal = (start: number, end: number, pct: number) => number;

export const annealNo: Anneal = (start) => start;
export const annealLinear: Anneal = (start, end, pct) => start + pct * (end - start);
export const annealExp: Anneal = (start, end, pct) => start * (end / start) ** pct;
export const annealCos: Anneal = (start, end, pct) =>
  end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

/** One phase of a schedule: `iterations` steps annealing from `start` to `end`. */
export interface Phase {
  iterations: number;
  start: number;
  end: number;
  anneal: Anneal;
}

/**
 * The value at iteration `i` (0-based) of phases run one after another, as fastai v1's
 * `Scheduler` stepping after each batch: batch i of a phase of n iterations sees pct = i/n.
 * Past the last phase the schedule holds its final value.
 */
export function scheduleAt(phases: readonly Phase[], i: number): number {
  let rest = i;
  for (const phase of phases) {
    if (rest < phase.iterations)
      return phase.anneal(phase.start, phase.end, rest / phase.iterations);
    rest -= phase.iterations;
  }
  const last = phases.at(-1);
  if (last == null) throw new Error('scheduleAt needs at least one phase.');
  return last.end;
}

export interface OneCycleOptions {
  /** Fraction of iterations spent warming up. Default 0.3. */
  pctStart?: number;
  /** Start lr = max / divFactor. Default 25. */
  divFactor?: number;
  /** Final lr = max / finalDiv. Default divFactor · 1e4. */
  finalDiv?: number;
  /** Momentum (Adam beta1) at the start and at the peak lr. Default [0.95, 0.85]. */
  moms?: readonly [number, number];
}

export interface OneCyclePhases {
  lr: Phase[];
  mom: Phase[];
}

/**
 * One-cycle phases for `total` iterations and one group's `maxLr`
 * (fastai v1 OneCycleScheduler.on_train_begin: a1 = int(n · pct_start), cosine both ways).
 */
export function oneCyclePhases(
  maxLr: number,
  total: number,
  options: OneCycleOptions = {},
): OneCyclePhases {
  const { pctStart = 0.3, divFactor = 25, moms = [0.95, 0.85] } = options;
  const finalDiv = options.finalDiv ?? divFactor * 1e4;
  const warm = Math.floor(total * pctStart);
  const cool = total - warm;
  const phase = (iterations: number, start: number, end: number): Phase => ({
    iterations,
    start,
    end,
    anneal: annealCos,
  });
  return {
    lr: [phase(warm, maxLr / divFactor, maxLr), phase(cool, maxLr, maxLr / finalDiv)],
    mom: [phase(warm, moms[0], moms[1]), phase(cool, moms[1], moms[0])],
  };
}
