/**
 * The step from the lesson's frozen stage to its unfrozen one must not knock the model off what
 * the frozen stage learnt: at the first unfrozen batch (learning rates max_lr/25, so the weights
 * have barely moved) the training loss may not exceed the last frozen epoch's by more than a
 * small factor. The studio's case: 5 signs × 40 photos of sign-language-digits, batch 64, the
 * frozen stage on the feature cache, then unfreeze and slice(1e-6, 1e-4), on both cores.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index';
import { createDataBunch, folderItems, folderSource, splitByRandomPct } from '../data/index';
import { loadBackbone } from '../models/load-backbone';
import { cnnLearner } from './cnn-learner';
import { slice } from './lr-range';
import { defaultBodyBnStatistics } from './precompute';
import { PRETRAINED, SIGN_LANGUAGE } from './test-fixtures';

/** The training loss may grow by at most this factor at the first unfrozen batch. */
const FACTOR = 3;

describe("the lesson's step from frozen to unfrozen", () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });

  it.each([128, 64])(
    'keeps the training loss at %i px within a small factor of the frozen stage',
    { timeout: 10 * 60_000 },
    async (size) => {
      const all = await folderItems(SIGN_LANGUAGE);
      const subset = ['0', '1', '2', '3', '4'].flatMap((c) =>
        all.filter((i) => i.label === c).slice(0, 40),
      );
      const backbone = await loadBackbone('mobilenet_v2_0.35', {
        pretrainedDir: PRETRAINED,
        inputShape: [size, size, 3],
      });
      const data = createDataBunch(splitByRandomPct(subset, 0.2, 42), folderSource(SIGN_LANGUAGE), {
        size,
        bs: 64,
        seed: 42,
        normalize: backbone.spec.normalization,
      });
      const learn = cnnLearner(data, backbone, {
        seed: 42,
        bodyBnStatistics: defaultBodyBnStatistics(backbone.spec.defaultSize, size),
      });
      await learn.fitOneCycle(4, 3e-3, { precompute: true, threads: 'auto' });
      const perEpoch = data.train.length;
      const lastFrozen = mean(learn.recorder.losses.slice(-perEpoch));
      const frozenError = learn.recorder.epochs.at(-1)!.metrics['error_rate']!;

      learn.unfreeze();
      await learn.fitOneCycle(1, slice(1e-6, 1e-4), { threads: 'auto', microBatch: 'auto' });
      const firstUnfrozen = learn.recorder.losses[0]!;
      const finalError = learn.recorder.epochs.at(-1)!.metrics['error_rate']!;
      console.info(
        `${size} px: last frozen epoch's loss ${lastFrozen.toFixed(3)}, first unfrozen batch ` +
          `${firstUnfrozen.toFixed(3)} (×${(firstUnfrozen / lastFrozen).toFixed(1)}); error ` +
          `${(frozenError * 100).toFixed(1)} % frozen, ${(finalError * 100).toFixed(1)} % after`,
      );
      expect(firstUnfrozen).toBeLessThanOrEqual(FACTOR * lastFrozen);
      learn.dispose();
    },
  );
});

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
