import { join } from 'node:path';
import { initBackend, liveTensorCount } from '../../src/index';
import { createDataBunch, folderItems, folderSource } from '../../src/data/index';
import { cnnLearner, type Callback } from '../../src/learner/index';
import { ARCHITECTURES, createResNet } from '../../src/models/index';
import { emit, loadavg, note, round } from './measure-row';

export interface MemoryBenchOptions {
  sharedDir: string;
  backend: 'wasm' | 'cpu';
  size: number;
  bs: number;
  /** Training images (whole batches of bs); real photos of sign-language-digits. */
  images: number;
}

/** Samples the process's resident memory after every batch. */
class PeakRss implements Callback {
  peakBytes = process.memoryUsage().rss;
  afterBatch(): void {
    this.peakBytes = Math.max(this.peakBytes, process.memoryUsage().rss);
  }
}

/**
 * Memory of the heaviest lesson step: an unfrozen ResNet-50 (random torchvision-style weights;
 * memory does not depend on their values) with fastai's head, fastai's batch of 64 at 224 px,
 * one epoch over real photos with the studio's default of micro-batches where memory needs them.
 * One line: peak RSS, the pass size used, seconds per step, tensors left after disposing.
 */
export async function runMemoryBench(options: MemoryBenchOptions): Promise<void> {
  const backend = await initBackend({ prefer: options.backend, log: note });
  const dataset = join(options.sharedDir, 'datasets', 'sign-language-digits');
  // Photos spread over the whole listing (folders, one per class, in order): every class is in
  // both splits.
  const listed = await folderItems(dataset);
  const spread = (count: number, offset: number) => {
    const step = Math.max(2, Math.floor(listed.length / count));
    return listed.filter((_, i) => i % step === offset).slice(0, count);
  };
  const train = spread(options.images, 0).map((item) => ({ ...item, split: 'train' as const }));
  const valid = spread(16, 1).map((item) => ({ ...item, split: 'valid' as const }));
  const data = createDataBunch([...train, ...valid], folderSource(dataset), {
    size: options.size,
    bs: options.bs,
    seed: 1,
  });
  const tensorsBefore = liveTensorCount();
  const body = createResNet({
    depth: 50,
    includeTop: false,
    inputShape: [options.size, options.size, 3],
  });
  const learn = cnnLearner(
    data,
    { id: 'resnet50', body, spec: ARCHITECTURES.resnet50 },
    { seed: 1 },
  );
  learn.unfreeze();
  const peak = new PeakRss();
  note(`resnet50 ${options.size} px, bs ${options.bs}, ${train.length} images, unfrozen…`);
  const started = performance.now();
  const result = await learn.fit(1, 1e-4, { microBatch: 'auto', callbacks: [peak] });
  const seconds = (performance.now() - started) / 1000;
  learn.dispose();
  emit({
    part: 'memory',
    arch: 'resnet50',
    size: options.size,
    bs: options.bs,
    backend: backend.name,
    images: train.length,
    micro_batch: result.microBatch,
    peak_rss_mb: round(peak.peakBytes / 2 ** 20, 0),
    s_per_step: round(seconds / Math.max(result.iterations, 1), 1),
    tensors_left: liveTensorCount() - tensorsBefore,
    loadavg: loadavg(),
  });
}
