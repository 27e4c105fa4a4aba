import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index';
import {
  createDataBunch,
  DiskPixelStore,
  folderItems,
  folderSource,
  ImageCache,
  showAugmentations,
  showBatch,
  splitByRandomPct,
} from '../../src/data/index';
import { emit, loadavg, note, round } from './measure-row';

/**
 * The show-batch part: a 3 × 3 show_batch and an eight-draw augmentation preview of real photos,
 * as the worker answers them (a fresh data bunch per request over a disk pixel cache): cold (the
 * photos decoded) and warm (read from the cache), five requests each, one line per request.
 */
export async function runShowBatchBench(options: {
  sharedDir: string;
  backend?: 'wasm' | 'cpu';
  dataset: string;
  size: number;
}): Promise<void> {
  const backend = await initBackend({ prefer: options.backend, log: note });
  const folder = join(options.sharedDir, 'datasets', options.dataset);
  const items = splitByRandomPct(await folderItems(folder), 0.2, 42);
  const cacheDir = await mkdtemp(join(tmpdir(), 'show-batch-bench-'));
  try {
    for (const cache of ['cold', 'warm'] as const) {
      for (let request = 0; request < 5; request++) {
        for (const kind of ['batch', 'augment'] as const) {
          const bunch = createDataBunch(items, folderSource(folder), {
            size: options.size,
            bs: 1,
            seed: 42,
            cache: new ImageCache({ store: new DiskPixelStore(join(cacheDir, 'pixels')) }),
          });
          const start = performance.now();
          // Cold requests show batches no request showed before; warm ones repeat them.
          const shown =
            kind === 'batch'
              ? await showBatch(bunch, { rows: 3, seed: request })
              : await showAugmentations(bunch, { n: 8, seed: request });
          emit({
            part: 'show-batch',
            kind,
            cache,
            request,
            dataset: options.dataset,
            size: options.size,
            images: shown.length,
            ms: round(performance.now() - start, 0),
            backend: backend.name,
            loadavg: loadavg(),
          });
        }
      }
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}
