import type { Callback, FitState } from './callback';
import { createTracker, type TrackOptions } from './tracker';

export interface EarlyStoppingOptions extends TrackOptions {
  /** Epochs without improvement to tolerate. Default 0, as fastai v1. */
  patience?: number;
}

/** Ends the fit when the monitored value stops improving (fastai v1 EarlyStoppingCallback). */
export class EarlyStoppingCallback implements Callback {
  readonly order = 40;
  private readonly tracker;
  private wait = 0;

  constructor(private readonly options: EarlyStoppingOptions = {}) {
    this.tracker = createTracker(options);
  }

  beforeFit(): void {
    this.tracker.reset();
    this.wait = 0;
  }

  afterEpoch(state: FitState): void {
    if (this.tracker.improve(this.tracker.valueOf(state))) {
      this.wait = 0;
      return;
    }
    this.wait += 1;
    if (this.wait > (this.options.patience ?? 0)) {
      state.stopTraining = true;
      state.stopReason = `no improvement in ${this.tracker.monitor} for ${this.wait} epochs`;
    }
  }
}
