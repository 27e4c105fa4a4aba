/** Steps per epoch below which one-cycle has too few updates to learn well. */
export const MIN_STEPS_PER_EPOCH = 10;

export type BatchAdvice =
  | { kind: 'ok' }
  /** Larger than the training set: training drops the last incomplete batch, leaving none. */
  | { kind: 'too-large'; message: string; suggested: number }
  | { kind: 'few-steps'; message: string; suggested: number };

/**
 * What the run form says about a batch size for `trainCount` training images (fastai drops the
 * last incomplete batch, so an epoch is floor(n / bs) steps).
 */
export function adviseBatchSize(bs: number, trainCount: number): BatchAdvice {
  const suggested = Math.max(1, Math.floor(trainCount / MIN_STEPS_PER_EPOCH));
  if (bs > trainCount) {
    return {
      kind: 'too-large',
      suggested,
      message: `Larger than the ${trainCount.toLocaleString('en')} training images, so an epoch would have no step. Use at most ${trainCount.toLocaleString('en')}.`,
    };
  }
  const steps = Math.floor(trainCount / bs);
  if (steps >= MIN_STEPS_PER_EPOCH || bs <= suggested) return { kind: 'ok' };
  return {
    kind: 'few-steps',
    suggested,
    message: `${trainCount.toLocaleString('en')} training images at batch size ${bs} make ${steps} step${steps === 1 ? '' : 's'} per epoch: too few to learn well. Batch size ${suggested} gives ${MIN_STEPS_PER_EPOCH}.`,
  };
}
