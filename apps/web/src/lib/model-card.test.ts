import { describe, expect, it } from 'vitest';
import { renderModelCard, type ModelCardInput } from './model-card';

const card: ModelCardInput = {
  run: { name: 'pets | first', arch: 'resnet34', config: { size: 224, bs: 64 } },
  backbone: 'ResNet-34 with torchvision ImageNet weights.',
  dataset: {
    name: 'Oxford pets',
    version: 3,
    classes: ['cat', 'dog'],
    counts: { train: { cat: 80, dog: 70 }, valid: { cat: 20, dog: 18 }, test: {} },
  },
  preprocessing: { size: 224, resizeMode: 'crop' },
  stages: [
    { number: 1, kind: 'fit_one_cycle', params: { epochs: 4 }, status: 'done', errorRate: 0.1 },
    { number: 2, kind: 'unfreeze', params: {}, status: 'done', errorRate: null },
    { number: 3, kind: 'fit_one_cycle', params: { epochs: 2 }, status: 'done', errorRate: 0.125 },
  ],
  stage: { number: 3, errorRate: 0.125, n: 38 },
  bestErrorRate: 0.1,
  perClass: [
    { class: 'cat', precision: 0.9, recall: 0.85, support: 20 },
    { class: 'dog', precision: 0.84, recall: 0.888889, support: 18 },
  ],
  confused: [
    ['cat', 'dog', 3],
    ['dog', 'cat', 2],
  ],
};

describe('renderModelCard', () => {
  it('states the data, model, stages, errors, per-class figures, confusions and limits', () => {
    const md = renderModelCard(card);
    expect(md).toContain('# pets | first: stage 3');
    expect(md).toContain('**Oxford pets**, version 3');
    expect(md).toContain('| class | train | valid |');
    expect(md).toContain('| cat | 80 | 20 |');
    expect(md).toContain('Backbone: ResNet-34 with torchvision ImageNet weights.');
    expect(md).toContain('`{"size":224,"resizeMode":"crop"}`');
    expect(md).toContain('| 3 | fit_one_cycle | {"epochs":2} | done | 12.50 % |');
    expect(md).toContain('(stage 3): 12.50 % on 38 images');
    expect(md).toContain('Best error rate of the run: 10.00 %');
    expect(md).toContain('| dog | 0.840 | 0.889 | 18 |');
    expect(md).toContain('- cat → dog: 3');
    expect(md).toContain('there is no "none of these" class');
  });

  it('keeps names with pipes from breaking a table', () => {
    const md = renderModelCard({
      ...card,
      dataset: { ...card.dataset, classes: ['a|b'], counts: { train: { 'a|b': 1 } } },
    });
    expect(md).toContain('| a\\|b | 1 |');
  });
});
