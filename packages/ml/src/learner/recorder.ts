import type { Callback, FitState } from './callback';

/** One row of the table fastai prints after each epoch. */
export interface EpochRecord {
  epoch: number;
  /** The smoothed training loss at the end of the epoch (what fastai v1 displays). */
  trainLoss: number;
  validLoss: number | null;
  metrics: Record<string, number>;
  /** Wall time of the epoch including validation, in seconds. */
  timeS: number;
}

export interface RecorderState {
  lrs: number[];
  moms: number[];
  losses: number[];
  smoothLosses: number[];
  epochs: EpochRecord[];
}

/**
 * Per batch: the head's learning rate, momentum, raw and smoothed loss; per epoch: the table
 * row (fastai v1 basic_train.py Recorder). Reset at the start of every fit, like fastai's,
 * except a fit resumed from a checkpoint, which continues the recorded one.
 */
export class Recorder implements Callback {
  readonly order = -10;
  lrs: number[] = [];
  moms: number[] = [];
  losses: number[] = [];
  smoothLosses: number[] = [];
  epochs: EpochRecord[] = [];

  beforeFit(state: FitState): void {
    if (!state.isResumed)
      this.setState({ lrs: [], moms: [], losses: [], smoothLosses: [], epochs: [] });
  }

  beforeBatch(state: FitState): void {
    const { opt } = state.learner;
    this.lrs.push(opt.lr.at(-1)!);
    this.moms.push(opt.mom);
  }

  afterLoss(state: FitState): void {
    this.losses.push(state.loss);
    this.smoothLosses.push(state.smoothLoss);
  }

  afterEpoch(state: FitState): void {
    this.epochs.push({
      epoch: state.epoch,
      trainLoss: state.smoothLoss,
      validLoss: state.validLoss,
      metrics: { ...state.metrics },
      timeS: (performance.now() - state.epochStart) / 1000,
    });
  }

  getState(): RecorderState {
    return structuredClone({
      lrs: this.lrs,
      moms: this.moms,
      losses: this.losses,
      smoothLosses: this.smoothLosses,
      epochs: this.epochs,
    });
  }

  setState(state: RecorderState): void {
    const copy = structuredClone(state);
    this.lrs = copy.lrs;
    this.moms = copy.moms;
    this.losses = copy.losses;
    this.smoothLosses = copy.smoothLosses;
    this.epochs = copy.epochs;
  }
}
