import type { Callback, FitState } from './callback';
import type { FitOptions } from './fit-loop';
import type { Learner } from './learner';
import { lrRange, type LearningRate } from './lr-range';
import { annealExp } from './schedules';

export interface LrFindOptions {
  startLr?: LearningRate;
  endLr?: LearningRate;
  numIt?: number;
  /** Stop when the smoothed loss exceeds 4× the best seen, or is NaN. Default true. */
  stopDiv?: boolean;
  wd?: number;
  /** More callbacks for the finder's fit (progress reporting). */
  callbacks?: Callback[];
  /** Stops the finder early between batches when aborted (weights are restored all the same). */
  signal?: AbortSignal;
  /**
   * Run the finder on cached activations of the frozen body (FitOptions.precompute): its
   * suggestions are then for a precomputed fit.
   */
  precompute?: FitOptions['precompute'];
  /** Images per forward/backward pass (FitOptions.microBatch). */
  microBatch?: FitOptions['microBatch'];
  /** The head over whole batches when a step is split (FitOptions.wholeBatchHead). */
  wholeBatchHead?: FitOptions['wholeBatchHead'];
}

export interface LrSuggestions {
  /** The lr where the smoothed loss falls fastest (fastai v1 "Min numerical gradient"). */
  steepest: number;
  /** A tenth of the lr at the lowest smoothed loss ("Min loss divided by 10"). */
  minDiv10: number;
}

export interface LrFindResult {
  /** Head learning rate of each iteration run. */
  lrs: number[];
  /** Smoothed loss of each iteration. */
  losses: number[];
  /** From the points the plot shows; null when fewer than two are left. */
  suggestions: LrSuggestions | null;
  /** Why it stopped: 'diverged' or 'done'. */
  stoppedBy: 'diverged' | 'done';
}

/**
 * Exponentially growing lr per iteration; stops the fit once done or diverging (fastai v1
 * callbacks/lr_finder.py LRFinder).
 */
export class LrFinder implements Callback {
  readonly order = -20;
  bestLoss = Infinity;
  stoppedBy: 'diverged' | 'done' = 'done';
  private starts: number[] = [];
  private ends: number[] = [];

  constructor(
    private readonly options: Required<
      Omit<
        LrFindOptions,
        'wd' | 'callbacks' | 'signal' | 'precompute' | 'microBatch' | 'wholeBatchHead'
      >
    >,
  ) {}

  beforeFit(state: FitState): void {
    const groups = state.learner.layerGroups.length;
    this.starts = lrRange(this.options.startLr, groups);
    this.ends = lrRange(this.options.endLr, groups);
    state.skipValidation = true;
  }

  beforeBatch(state: FitState): void {
    const pct = state.iteration / this.options.numIt;
    state.learner.opt.lr = this.starts.map((start, g) => annealExp(start, this.ends[g]!, pct));
  }

  afterBatch(state: FitState): void {
    const loss = state.smoothLoss;
    if (state.iteration === 1 || loss < this.bestLoss) this.bestLoss = loss;
    const isDiverging = this.options.stopDiv && (loss > 4 * this.bestLoss || Number.isNaN(loss));
    if (isDiverging) this.stoppedBy = 'diverged';
    if (state.iteration >= this.options.numIt || isDiverging) {
      state.stopTraining = true;
      state.stopReason = `lr finder ${this.stoppedBy}`;
    }
  }
}

/**
 * fastai v1 Learner.lr_find: runs the finder, then restores weights and optimiser state.
 * Suggestions use the plotted points (recorder.plot(skip_start=10, skip_end=5)).
 */
export async function findLr(learner: Learner, options: LrFindOptions = {}): Promise<LrFindResult> {
  const {
    startLr = 1e-7,
    endLr = 10,
    numIt = 100,
    stopDiv = true,
    wd,
    callbacks = [],
    signal,
    precompute,
    microBatch,
    wholeBatchHead,
  } = options;
  if (!Number.isInteger(numIt) || numIt < 1)
    throw new Error(`numIt must be a positive integer, received ${numIt}.`);
  const saved = await learner.save();
  const kept = learner.cachedFeatures;
  const finder = new LrFinder({ startLr, endLr, numIt, stopDiv });
  const epochs = Math.ceil(numIt / learner.data.train.length);
  try {
    await learner.fit(epochs, startLr, {
      callbacks: [finder, ...callbacks],
      wd,
      signal,
      precompute,
      microBatch,
      wholeBatchHead,
    });
  } finally {
    const cached = learner.cachedFeatures;
    await learner.load(saved);
    // The load puts back the body `kept` came from. Activations the finder cached itself hold
    // for it too, unless their build adapted the BatchNorm statistics the load just undid.
    learner.cachedFeatures =
      cached != null && (cached === kept || cached.build.adaptImages === 0) ? cached : kept;
  }
  const { lrs, smoothLosses } = learner.recorder;
  return {
    lrs: [...lrs],
    losses: [...smoothLosses],
    suggestions: suggestLrs(lrs, smoothLosses),
    stoppedBy: finder.stoppedBy,
  };
}

/** numpy.gradient with unit spacing: central differences inside, one-sided at the ends. */
export function gradient(values: readonly number[]): number[] {
  const n = values.length;
  if (n < 2) throw new Error(`gradient needs at least 2 values, received ${n}.`);
  return values.map((_, i) =>
    i === 0
      ? values[1]! - values[0]!
      : i === n - 1
        ? values[n - 1]! - values[n - 2]!
        : (values[i + 1]! - values[i - 1]!) / 2,
  );
}

const argmin = (values: readonly number[]) =>
  values.reduce((best, v, i) => (v < values[best]! ? i : best), 0);

/** fastai v1 Recorder.plot(skip_start=10, skip_end=5, suggestion=True) on (lrs, smoothed losses). */
export function suggestLrs(
  lrs: readonly number[],
  losses: readonly number[],
  skipStart = 10,
  skipEnd = 5,
): LrSuggestions | null {
  const end = Math.max(lrs.length - skipEnd, 0);
  const shownLrs = lrs.slice(skipStart, end);
  const shownLosses = losses.slice(skipStart, end);
  if (shownLrs.length < 2) return null;
  return {
    steepest: shownLrs[argmin(gradient(shownLosses))]!,
    minDiv10: shownLrs[argmin(shownLosses)]! / 10,
  };
}
