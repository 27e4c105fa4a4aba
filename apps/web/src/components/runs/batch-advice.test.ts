import { describe, expect, it } from 'vitest';
import { adviseBatchSize } from './batch-advice';

describe('batch size advice', () => {
  it('warns when an epoch has fewer than 10 steps and offers the batch size that gives 10', () => {
    expect(adviseBatchSize(64, 120)).toEqual({
      kind: 'few-steps',
      suggested: 12,
      message:
        '120 training images at batch size 64 make 1 step per epoch: too few to learn well. Batch size 12 gives 10.',
    });
    expect(adviseBatchSize(64, 640)).toEqual({ kind: 'ok' });
    // A set of fewer than 10 images cannot have 10 steps; batch size 1 is the most there is.
    expect(adviseBatchSize(1, 8)).toEqual({ kind: 'ok' });
  });

  it('says so when the batch is larger than the training set instead of changing it', () => {
    expect(adviseBatchSize(512, 160)).toMatchObject({
      kind: 'too-large',
      message:
        'Larger than the 160 training images, so an epoch would have no step. Use at most 160.',
    });
  });
});
