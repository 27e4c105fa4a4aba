import type { Callback, FitState } from './callback';
import { createTracker, type TrackOptions } from './tracker';

export interface CheckpointInfo {
  /** Epochs completed. */
  epoch: number;
  /** Optimiser steps taken in the fit. */
  iteration: number;
  epochs: number;
  validLoss: number | null;
  metrics: Record<string, number>;
}

export type CheckpointSink = (bytes: Uint8Array, info: CheckpointInfo) => Promise<void>;

const infoOf = (state: FitState): CheckpointInfo => ({
  epoch: state.epoch + 1,
  iteration: state.iteration,
  epochs: state.epochs,
  validLoss: state.validLoss,
  metrics: { ...state.metrics },
});

/**
 * After every `every` epochs: weights, optimiser state, epoch/iteration, recorder and loss
 * smoother as bytes, enough for `fit(…, { resumeFrom })` to continue exactly.
 */
export class CheckpointCallback implements Callback {
  // After the recorder (-10) has added the epoch's row, so the checkpoint includes it.
  readonly order = 50;

  constructor(
    private readonly sink: CheckpointSink,
    private readonly every = 1,
  ) {}

  async afterEpoch(state: FitState): Promise<void> {
    if ((state.epoch + 1) % this.every !== 0 && state.epoch + 1 !== state.epochs) return;
    const bytes = await state.learner.save(
      { withOptimizer: true },
      {
        epoch: state.epoch + 1,
        iteration: state.iteration,
        epochs: state.epochs,
        recorder: state.learner.recorder.getState(),
        smoother: state.smoother.state(),
      },
    );
    await this.sink(bytes, infoOf(state));
  }
}

export interface SaveBestOptions extends TrackOptions {
  /** Called with the weights each time the monitored value improves. */
  sink?: CheckpointSink;
  /** Load the best weights back at the end of the fit (fastai v1 SaveModelCallback). Default true. */
  restoreBest?: boolean;
}

/** Keeps the weights of the best epoch by the monitored value (fastai v1 SaveModelCallback). */
export class SaveBestCallback implements Callback {
  readonly order = 50;
  /** Weights (no optimiser state) of the best epoch so far. */
  bestBytes: Uint8Array | null = null;
  bestEpoch: number | null = null;
  private readonly tracker;

  constructor(private readonly options: SaveBestOptions = {}) {
    this.tracker = createTracker(options);
  }

  get best(): number {
    return this.tracker.best;
  }

  beforeFit(): void {
    this.tracker.reset();
    this.bestBytes = null;
    this.bestEpoch = null;
  }

  async afterEpoch(state: FitState): Promise<void> {
    if (!this.tracker.improve(this.tracker.valueOf(state))) return;
    this.bestBytes = await state.learner.getWeightsBytes();
    this.bestEpoch = state.epoch;
    await this.options.sink?.(this.bestBytes, infoOf(state));
  }

  async afterFit(state: FitState): Promise<void> {
    if (state.error != null || this.bestBytes == null || this.options.restoreBest === false) return;
    // Weights only: the optimiser of the last epoch stays, as with fastai's load(purge=False).
    await state.learner.load(this.bestBytes);
  }
}
