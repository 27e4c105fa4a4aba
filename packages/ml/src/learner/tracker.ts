import type { FitState } from './callback';

export interface TrackOptions {
  /** 'valid_loss', 'train_loss' or a metric name such as 'error_rate'. Default 'valid_loss'. */
  monitor?: string;
  /** 'auto': lower is better for names containing "loss" or "error", higher otherwise. */
  mode?: 'auto' | 'min' | 'max';
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
}

/**
 * The monitored value after an epoch, and whether it improved on the best so far (fastai v1
 * callbacks/tracker.py TrackerCallback).
 */
export function createTracker(options: TrackOptions = {}) {
  const monitor = options.monitor ?? 'valid_loss';
  const isLowerBetter =
    options.mode === 'min' || (options.mode !== 'max' && /loss|error/.test(monitor));
  const minDelta = Math.abs(options.minDelta ?? 0);
  let best = isLowerBetter ? Infinity : -Infinity;
  return {
    monitor,
    get best() {
      return best;
    },
    reset() {
      best = isLowerBetter ? Infinity : -Infinity;
    },
    valueOf(state: FitState): number {
      const value =
        monitor === 'valid_loss'
          ? state.validLoss
          : monitor === 'train_loss'
            ? state.smoothLoss
            : state.metrics[monitor];
      if (value == null) {
        throw new Error(
          `Cannot monitor "${monitor}": the fit has no such value. Use valid_loss, train_loss or one of the metrics (${Object.keys(state.metrics).join(', ') || 'none'}).`,
        );
      }
      return value;
    },
    /** Records the value when it improves by more than minDelta; returns whether it did. */
    improve(value: number): boolean {
      const isBetter = isLowerBetter ? value < best - minDelta : value > best + minDelta;
      if (isBetter) best = value;
      return isBetter;
    },
  };
}
