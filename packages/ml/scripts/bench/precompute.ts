import { join } from 'node:path';
import { initBackend } from '../../src/backend/index';
import { createDataBunch, folderItems, folderSource, splitByRandomPct } from '../../src/data/index';
import { cnnLearner, describePrecompute } from '../../src/learner/index';
import { loadBackbone } from '../../src/models/index';
import { emit, loadavg, note, round } from './measure-row';
import type { BenchOptions } from './options';

const LR = 1e-2; // the frozen stage's rate in sign-language.integration.test.ts
const SEED = 42;

/**
 * The precompute part: frozen fit_one_cycle on sign-language-digits with MobileNetV2-0.35, plain
 * and precomputed (each views setting), each from a fresh learner and data bunch (so each decodes
 * the photos anew), one "precompute" line per fit and one "precompute-speedup" line per
 * precomputed fit against the plain one.
 */
export async function runPrecomputeBench(options: BenchOptions): Promise<void> {
  const { size, bs, epochs, views, perClass, threads, withPlain } = options.precompute;
  const backend = await initBackend({
    prefer: options.backend,
    wasmThreads: options.wasmThreads,
    log: note,
  });
  const dataset = join(options.sharedDir, 'datasets', 'sign-language-digits');
  const all = await folderItems(dataset);
  const classes = [...new Set(all.map((i) => i.label))];
  const subset =
    perClass === 0
      ? all
      : classes.flatMap((c) => all.filter((i) => i.label === c).slice(0, perClass));
  const items = splitByRandomPct(subset, 0.2, SEED);
  const key = { arch: 'mobilenet_v2_0.35', size, bs, epochs, lr: LR, backend: backend.name };

  const fitOnce = async (precompute: { views: number; threads: number } | false) => {
    const backbone = await loadBackbone('mobilenet_v2_0.35', {
      pretrainedDir: join(options.sharedDir, 'pretrained'),
    });
    const data = createDataBunch(items, folderSource(dataset), {
      size,
      bs,
      seed: SEED,
      normalize: backbone.spec.normalization,
    });
    const learn = cnnLearner(data, backbone, { seed: SEED });
    const label =
      precompute === false
        ? 'plain'
        : `precompute views ${precompute.views}, ${precompute.threads} thread(s)`;
    note(
      `${label}: ${data.counts.train} train / ${data.counts.valid} valid images, ${epochs} epochs…`,
    );
    const start = performance.now();
    const result = await learn.fitOneCycle(epochs, LR, { precompute });
    const wallS = (performance.now() - start) / 1000;
    const last = learn.recorder.epochs.at(-1)!;
    const line = {
      part: 'precompute',
      ...key,
      mode: precompute === false ? 'plain' : 'precompute',
      views: precompute === false ? null : result.precompute!.views,
      threads: precompute === false ? null : result.precompute!.threads,
      train_images: data.counts.train,
      valid_images: data.counts.valid,
      wall_s: round(wallS, 2),
      cache_s: round(result.timing.cacheS, 2),
      // Images through data loading and the frozen body per second of the cache build.
      cache_img_s: precompute === false ? null : round(result.precompute!.bodyImgS, 1),
      train_s: round(result.timing.trainS, 2),
      // Training images of all epochs per second of the whole fit (cache build included).
      img_s: round((epochs * data.counts.train) / wallS, 2),
      epoch_s: learn.recorder.epochs.map((e) => round(e.timeS, 2)),
      error_rate: round(last.metrics['error_rate']!, 4),
      valid_loss: round(last.validLoss!, 4),
      loadavg: loadavg(),
    };
    emit(line);
    const description = describePrecompute(result);
    if (description != null) note(description);
    learn.dispose();
    return line;
  };

  const plain = withPlain ? await fitOnce(false) : null;
  for (const v of views) {
    const byThreads = new Map<number, Array<Awaited<ReturnType<typeof fitOnce>>>>();
    for (const t of threads) {
      const pre = await fitOnce({ views: v, threads: t });
      byThreads.set(t, [...(byThreads.get(t) ?? []), pre]);
      if (plain == null) continue;
      emit({
        part: 'precompute-speedup',
        ...key,
        views: pre.views,
        threads: pre.threads,
        speedup: round(plain.wall_s / pre.wall_s, 2),
        plain_wall_s: plain.wall_s,
        precompute_wall_s: pre.wall_s,
        plain_error_rate: plain.error_rate,
        precompute_error_rate: pre.error_rate,
        loadavg: loadavg(),
      });
    }
    // Best of each setting's fits (--threads 1,2,1,2 repeats them): on a shared machine the
    // best run is the one least slowed by other work. The first pooled build of the process
    // includes starting its workers.
    const best = (t: number) => Math.max(...(byThreads.get(t) ?? []).map((f) => f.cache_img_s!));
    if (!byThreads.has(1)) continue;
    for (const [t, fits] of byThreads) {
      if (t === 1) continue;
      emit({
        part: 'precompute-threads',
        ...key,
        views: fits[0]!.views,
        threads: t,
        cache_img_s: fits.map((f) => f.cache_img_s),
        one_thread_cache_img_s: byThreads.get(1)!.map((f) => f.cache_img_s),
        cache_speedup: round(best(t) / best(1), 2),
        loadavg: loadavg(),
      });
    }
  }
}
