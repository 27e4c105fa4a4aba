import type { Callback, FitState } from './callback';

export interface ProgressEvent {
  /** 'cache': a precomputed fit runs its images through the frozen body before training. */
  phase: 'cache' | 'train' | 'valid';
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  /** Batches done in this epoch's training phase; in the 'cache' phase, images done. */
  batch: number;
  /** Batches per epoch; in the 'cache' phase, images to run. */
  batches: number;
  /** Raw loss of the last batch. */
  loss: number;
  smoothLoss: number;
  /** Head learning rate of the last batch. */
  lr: number;
  /**
   * Estimated seconds left in the fit, from the pace so far; null before the first batch. In
   * the 'cache' phase, of the cache build (the head's training after it is short).
   */
  etaS: number | null;
}

/**
 * Reports after every training batch, at the start of each validation and after each batch of
 * a feature cache build, for live progress. The ETA counts the remaining batches at this fit's
 * training pace so far (cache build excluded) and one validation per epoch left at the last
 * validation's duration.
 */
export class ProgressCallback implements Callback {
  readonly order = 10;
  private fitStart = 0;
  private firstIteration = 0;
  private validStart = 0;
  private validTotalMs = 0;
  private lastValidMs = 0;

  constructor(private readonly onProgress: (event: ProgressEvent) => void | Promise<void>) {}

  beforeFit(state: FitState): void {
    this.fitStart = performance.now();
    this.firstIteration = state.iteration;
    this.validTotalMs = 0;
    this.lastValidMs = 0;
  }

  afterCacheBatch(state: FitState): void | Promise<void> {
    const { done, total, seconds } = state.cache!;
    // Training is timed from the end of the cache build.
    this.fitStart = performance.now();
    return this.onProgress({
      ...this.event('cache', state, done),
      batches: total,
      etaS: done > 0 ? (seconds / done) * (total - done) : null,
    });
  }

  afterBatch(state: FitState): void | Promise<void> {
    return this.onProgress(this.event('train', state, state.batch + 1));
  }

  beforeValidate(state: FitState): void | Promise<void> {
    this.validStart = performance.now();
    return this.onProgress(this.event('valid', state, state.batch));
  }

  afterValidate(): void {
    this.lastValidMs = performance.now() - this.validStart;
    this.validTotalMs += this.lastValidMs;
  }

  private event(phase: ProgressEvent['phase'], state: FitState, batch: number): ProgressEvent {
    const done = state.iteration - this.firstIteration;
    const trainMs = performance.now() - this.fitStart - this.validTotalMs;
    const left = state.epochs * state.batches - state.iteration;
    const validationsLeft = state.skipValidation ? 0 : state.epochs - state.epoch;
    const etaMs = done > 0 ? (trainMs / done) * left + this.lastValidMs * validationsLeft : null;
    return {
      phase,
      epoch: state.epoch,
      epochs: state.epochs,
      batch,
      batches: state.batches,
      loss: state.loss,
      smoothLoss: state.smoothLoss,
      lr: state.learner.opt.lr.at(-1)!,
      etaS: etaMs == null ? null : etaMs / 1000,
    };
  }
}
