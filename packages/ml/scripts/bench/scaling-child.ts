// One share of the scaling part (bench/scaling.ts), in a process of its own: prints one line.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index';
import { createDataBunch, folderItems, folderSource, splitByRandomPct } from '../../src/data/index';
import { cnnLearner } from '../../src/learner/index';
import { loadBackbone } from '../../src/models/index';
import { emit, loadavg, note, round } from './measure-row';
import type { ScalingBenchOptions } from './scaling';

const SEED = 42;
const options = JSON.parse(process.argv[2]!) as ScalingBenchOptions & { fraction: number };
const backend = await initBackend({ prefer: options.backend, log: note });
const tensorsAtStart = tf.memory().numTensors;
const folder = join(options.sharedDir, 'datasets', options.dataset);
let all = await folderItems(folder);
if (!all.some((i) => i.split === 'valid')) all = splitByRandomPct(all, 0.2, SEED);
// The first share of every class in each split: the same images at every share they fit in.
const groups = new Map<string, typeof all>();
for (const item of all) {
  const key = `${item.split}/${item.label}`;
  groups.set(key, [...(groups.get(key) ?? []), item]);
}
const items = [...groups.values()].flatMap((group) =>
  group.slice(0, Math.max(1, Math.round(group.length * options.fraction))),
);
const backbone = await loadBackbone('mobilenet_v2_0.35', {
  pretrainedDir: join(options.sharedDir, 'pretrained'),
  inputShape: [options.size, options.size, 3],
});
const data = createDataBunch(items, folderSource(folder), {
  size: options.size,
  bs: options.bs,
  seed: SEED,
  normalize: backbone.spec.normalization,
});
const loadStarted = performance.now();
await data.preload();
const loadS = (performance.now() - loadStarted) / 1000;
const learn = cnnLearner(data, backbone, { seed: SEED });
const result = await learn.fitOneCycle(1, 3e-3, { threads: 'auto', microBatch: 'auto' });
const epoch = learn.recorder.epochs[0]!;
learn.dispose();
emit({
  part: 'scaling',
  dataset: options.dataset,
  arch: 'mobilenet_v2_0.35',
  size: options.size,
  bs: options.bs,
  backend: backend.name,
  train_threads: result.threads,
  micro_batch: result.microBatch,
  fraction: options.fraction,
  n_train: data.counts.train,
  n_valid: data.counts.valid,
  load_s: round(loadS, 1),
  epoch_s: round(epoch.timeS, 1),
  // Training and validation images per second of the epoch.
  img_s: round((data.counts.train + data.counts.valid) / epoch.timeS, 2),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  // Tensors still allocated after the learner (model, optimiser) is disposed.
  tensors_left: tf.memory().numTensors - tensorsAtStart,
  loadavg: loadavg(),
});
