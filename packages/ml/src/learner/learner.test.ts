import { initBackend } from '../backend/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cnnLearner } from './cnn-learner';
import { accuracy, errorRate } from './metrics';
import { syntheticData, tinyBackbone } from './test-fixtures';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

const trainableNames = (learn: ReturnType<typeof cnnLearner>) =>
  learn.opt.groups.map((g) => g.map((p) => p.key));

describe('cnnLearner', () => {
  let data: ReturnType<typeof syntheticData>;
  beforeAll(() => {
    data = syntheticData({ classes: 3, seed: 3 });
  });
  afterAll(() => data.dispose());

  it('builds the fastai head and three layer groups, frozen with BatchNorm trainable', () => {
    const learn = cnnLearner(data, tinyBackbone(), { seed: 1 });
    const head = learn.layerGroups[2]!.map((l) => `${l.name}:${l.getClassName()}`);
    expect(head).toEqual([
      'head.max_pool:GlobalMaxPooling2D',
      'head.avg_pool:GlobalAveragePooling2D',
      'head.concat_pool:Concatenate',
      'head.bn1:BatchNormalization',
      'head.drop1:Dropout',
      'head.lin1:Dense',
      'head.bn2:BatchNormalization',
      'head.drop2:Dropout',
      'head.lin2:Dense',
    ]);
    expect(learn.model.outputs[0]!.shape).toEqual([null, 3]);
    expect(learn.isFrozen).toBe(true);
    expect(trainableNames(learn)).toEqual([
      ['bn1/gamma', 'bn1/beta'],
      ['bn2/gamma', 'bn2/beta'],
      [
        'head.bn1/gamma',
        'head.bn1/beta',
        'head.lin1/kernel',
        'head.lin1/bias',
        'head.bn2/gamma',
        'head.bn2/beta',
        'head.lin2/kernel',
        'head.lin2/bias',
      ],
    ]);
    learn.unfreeze();
    expect(trainableNames(learn)[0]).toEqual(['conv1/kernel', 'bn1/gamma', 'bn1/beta']);
    learn.freezeTo(1);
    expect(trainableNames(learn)[0]).toEqual(['bn1/gamma', 'bn1/beta']);
    expect(trainableNames(learn)[1]).toEqual([
      'conv2/kernel',
      'conv2/bias',
      'bn2/gamma',
      'bn2/beta',
    ]);
    learn.dispose();
  });

  it('learns a separable synthetic problem to near-zero loss', async () => {
    const learn = cnnLearner(data, tinyBackbone(), { seed: 1, metrics: [errorRate, accuracy] });
    learn.unfreeze();
    const result = await learn.fitOneCycle(6, 1e-2);
    const last = learn.recorder.epochs.at(-1)!;
    console.info(
      'synthetic:',
      learn.recorder.epochs
        .map(
          (e) => `${e.trainLoss.toFixed(3)}/${e.validLoss?.toFixed(3)}/${e.metrics['error_rate']}`,
        )
        .join(' '),
    );
    expect(result).toMatchObject({ cancelled: false, epochsDone: 6, iterations: 36 });
    expect(learn.recorder.lrs).toHaveLength(36);
    expect(last.validLoss).toBeLessThan(0.05);
    expect(last.metrics['error_rate']).toBe(0);
    expect(last.metrics['accuracy']).toBe(1);
    learn.dispose();
  });
});
