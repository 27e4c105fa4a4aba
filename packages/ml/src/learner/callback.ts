import type * as tf from '@tensorflow/tfjs-core';
import type { Learner } from './learner';
import type { Smoother } from './smoothen';

/** What the training loop shares with its callbacks (fastai v1 CallbackHandler.state_dict). */
export interface FitState {
  readonly learner: Learner;
  /** Epochs of this fit (a resumed fit counts the ones done before it). */
  readonly epochs: number;
  /** Batches per training epoch. */
  readonly batches: number;
  /** Current epoch, 0-based. */
  epoch: number;
  /** Current batch within the epoch, 0-based. */
  batch: number;
  /** Optimiser steps taken in this fit so far (including a resumed fit's earlier ones). */
  iteration: number;
  /** True in a fit resumed from a checkpoint. */
  readonly isResumed: boolean;
  /** Raw loss of the last training batch. */
  loss: number;
  /** Debiased moving average of the training loss (β = 0.98), what fastai displays. */
  smoothLoss: number;
  readonly smoother: Smoother;
  /** Gradients by variable name, during afterBackward only (owned by the loop). */
  grads: tf.NamedTensorMap | null;
  /** Loss and metrics of the last validation; null before the first or when skipped. */
  validLoss: number | null;
  metrics: Record<string, number>;
  /** Set by a callback to end the fit after the current batch (fastai `stop_training`). */
  stopTraining: boolean;
  /** Set by a callback to train without validating (the LR finder). */
  skipValidation: boolean;
  /** performance.now() at the start of the current epoch. */
  epochStart: number;
  /** Why the fit ended early: a CancelFitError's reason or the stopping callback's. */
  stopReason: string | null;
  /** The error that ended the fit, seen by afterFit before it is rethrown. */
  error: unknown;
  /** While a precomputed fit builds its feature cache: how far it is; null otherwise. */
  cache: CacheProgress | null;
}

/** Progress of a feature cache build (see feature-cache.ts), in images. */
export interface CacheProgress {
  /** Images run through the frozen body so far, views and validation included. */
  done: number;
  total: number;
  /** Augmented views cached per training image (1 = un-augmented only). */
  views: number;
  /** Seconds since the build started. */
  seconds: number;
}

type Hook = (state: FitState) => void | Promise<void>;

/** Named events of the training loop; every hook is optional and may be async. */
export interface Callback {
  /** Callbacks run in ascending order (fastai `_order`); default 0. */
  readonly order?: number;
  beforeFit?: Hook;
  /** Precomputed fits only: after each batch of the feature cache build (state.cache is set). */
  afterCacheBatch?: Hook;
  beforeEpoch?: Hook;
  beforeBatch?: Hook;
  afterLoss?: Hook;
  afterBackward?: Hook;
  afterBatch?: Hook;
  beforeValidate?: Hook;
  afterValidate?: Hook;
  afterEpoch?: Hook;
  /** Always runs, also after a cancellation or an error. */
  afterFit?: Hook;
}

export type CallbackEvent = Exclude<keyof Callback, 'order'>;

/**
 * Thrown by a callback (or the cancellation check) to end a fit cleanly between batches:
 * the loop disposes what it holds, runs afterFit and resolves with `cancelled: true`.
 */
export class CancelFitError extends Error {
  override name = 'CancelFitError';
  constructor(readonly reason = 'cancelled') {
    super(`Training cancelled: ${reason}`);
  }
}

export async function fire(
  callbacks: readonly Callback[],
  event: CallbackEvent,
  state: FitState,
): Promise<void> {
  for (const cb of callbacks) {
    const hook = cb[event];
    if (hook != null) await hook.call(cb, state);
  }
}

export function sortCallbacks(callbacks: readonly Callback[]): Callback[] {
  return [...callbacks].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}
