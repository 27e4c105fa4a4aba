import type { Callback, FitState } from './callback';
import { lrRange, type LearningRate } from './lr-range';
import { oneCyclePhases, scheduleAt, type OneCycleOptions, type Phase } from './schedules';

/**
 * Sets every group's learning rate and the momentum before each batch from the one-cycle
 * schedule (fastai v1 callbacks/one_cycle.py OneCycleScheduler). The schedule is a pure
 * function of the iteration, so a fit resumed at iteration i continues exactly where it was.
 */
export class OneCycleScheduler implements Callback {
  // Before the Recorder (-10), so it records the values the batch trains with.
  readonly order = -20;
  private lrPhases: Phase[][] = [];
  private momPhases: Phase[] = [];

  constructor(
    readonly maxLr: LearningRate,
    readonly options: OneCycleOptions = {},
  ) {}

  beforeFit(state: FitState): void {
    const total = state.batches * state.epochs;
    const maxLrs = lrRange(this.maxLr, state.learner.layerGroups.length);
    const perGroup = maxLrs.map((max) => oneCyclePhases(max, total, this.options));
    this.lrPhases = perGroup.map((p) => p.lr);
    this.momPhases = perGroup[0]!.mom;
  }

  beforeBatch(state: FitState): void {
    const { opt } = state.learner;
    opt.lr = this.lrPhases.map((phases) => scheduleAt(phases, state.iteration));
    opt.mom = scheduleAt(this.momPhases, state.iteration);
  }
}
