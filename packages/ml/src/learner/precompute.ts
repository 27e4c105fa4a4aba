/**
 * Options, defaults and the run-log line of precomputed fits (feature-cache.ts): the head
 * trained on cached activations of the frozen body, fastai 0.7's `precompute=True`.
 */
import type { FitResult } from './fit-loop';
import type { BodyBnStatistics, Learner } from './learner';

export interface PrecomputeOptions {
  /**
   * Augmented views cached per training image, at most one per epoch of the fit (an image
   * meets each of its views once before any again, so more would go unused). 0, or data
   * without augmentation, caches the un-augmented image once. Default 0, as fastai 0.7's
   * precompute: the fastest, one body pass over the training set.
   */
  views?: number;
  /** Largest cache to build, in MB; a bigger one is refused with advice. Default 2048. */
  maxCacheMb?: number;
  /**
   * Threads that run the frozen body during the cache build. Above 1, worker threads with a
   * backend each (body-pool.ts) compute batches side by side while the main thread decodes and
   * augments the next; 1 runs the body in the main thread. Default min(2, available cores) on
   * the wasm and cpu backends; the native tensorflow backends use every core already and
   * always build in the main thread.
   */
  threads?: number;
  /**
   * Training batches run through the body in training mode before caching, so its BatchNorm
   * running statistics move to this data's as a plain frozen fit's batches move them (fastai v1
   * trains BatchNorm when frozen). Without it the head learns features normalised by ImageNet's
   * statistics, and an unfrozen fit after it, normalising by batch statistics, starts from
   * features the head has never seen. Default 20; 0 keeps the pretrained statistics. A resumed
   * fit skips it: its checkpoint holds the adapted statistics.
   */
  adaptBatches?: number;
  /**
   * With no augmented views (views 0) on augmented data, also cache one augmented view of each
   * training image for the fit's last epoch: one more body pass. The head then ends the frozen
   * stage on the kind of input an unfrozen fit trains on; trained on un-augmented images only it
   * fits them far more closely than augmented ones (the training loss rose 12× at the first
   * unfrozen batch on 5 signs × 40 photos at 128 px). Default true; false: one body pass.
   */
  settleView?: boolean;
}

export const DEFAULT_PRECOMPUTE_VIEWS = 0;
export const DEFAULT_ADAPT_BATCHES = 20;

/** What a precomputed fit cached and how long that took, for the run's log. */
export interface PrecomputeSummary {
  /** Views cached per training image (at most the fit's epochs). */
  views: number;
  /** False when the one view is the un-augmented image. */
  isAugmented: boolean;
  trainImages: number;
  /** 0 when the fit skipped validation (the LR finder). */
  validImages: number;
  /** Floats cached per image (the head's pooled input). */
  featureSize: number;
  cacheMb: number;
  /** Seconds the cache build took. */
  cacheS: number;
  /** Images per second through data loading and the frozen body during the build. */
  bodyImgS: number;
  /** Training images run in training mode to adapt the body's BatchNorm statistics first. */
  adaptImages: number;
  /** Threads that ran the body (1: the main thread). */
  threads: number;
  /** BatchNorm layers in the body: 0 when folded into its convolutions (absent in older runs). */
  bodyBatchNorms?: number;
  /**
   * True when the fit trained on the activations an earlier fit of this learner cached (the body
   * unchanged since): no image went through the body; the other fields describe that build.
   */
  reused: boolean;
}

/** Whether the learner's body is frozen and its head alone trains: what precompute needs. */
export function isPrecomputable(learner: Pick<Learner, 'layerGroups' | 'frozenGroups'>): boolean {
  const groups = learner.layerGroups.length;
  return groups > 1 && learner.frozenGroups === groups - 1;
}

/** Throws unless the learner's body is frozen and its head alone trains. */
export function assertPrecomputable(learner: Learner): void {
  if (isPrecomputable(learner)) return;
  const groups = learner.layerGroups.length;
  throw new Error(
    `precompute trains the head alone on cached activations of the frozen body, so it needs the ` +
      `body frozen (learner.freeze()); this learner has ${groups - learner.frozenGroups} of its ` +
      `${groups} layer groups trainable (frozenGroups = ${learner.frozenGroups}). Fit without ` +
      `precompute to train unfrozen layers.`,
  );
}

/**
 * Whether a frozen stage should precompute unless the user switches it off: on CPU backends
 * (wasm, cpu, tensorflow), where a plain frozen epoch spends nearly all its time in the body's
 * forward and backward passes. On a GPU the plain strategy is cheap and keeps fastai v1's training
 * of the body's BatchNorm layers.
 */
export function isPrecomputeDefault(backend: string): boolean {
  return backend !== 'tensorflow-gpu';
}

/** Whether frozen stages train on the feature cache: the setting, 'auto' by the backend. */
export function usesPrecompute(setting: 'auto' | 'on' | 'off', backend: string): boolean {
  return setting === 'on' || (setting === 'auto' && isPrecomputeDefault(backend));
}

/**
 * What the body's BatchNorm layers normalise with while a run trains, unless the person chooses.
 * At the size the backbone was pretrained at: its pretrained statistics ('running', kept in every
 * stage, on the feature cache and on the plain strategy alike); their scale and offset still learn on
 * the plain strategy. They beat batch statistics (fastai v1's train_bn) at that size on both shared
 * datasets, here and in the PyTorch reference of the recipe (docs/benchmarks.md, "Design
 * choices"). At other sizes the data's own statistics fit better: 'adapted', measured on the
 * training batches once and then kept in every stage, since switching to batch statistics when
 * unfrozen changes the features under a head trained on the frozen body
 * (fine-tune-step.integration.test.ts). Without the feature cache every stage trains on batch
 * statistics (fastai's train_bn), frozen and unfrozen alike, so nothing changes between them.
 */
export function defaultBodyBnStatistics(
  pretrainedSize: number,
  size: number,
  usesFeatureCache = true,
): BodyBnStatistics {
  if (size === pretrainedSize) return 'running';
  return usesFeatureCache ? 'adapted' : 'batch';
}

const viewsOf = (p: PrecomputeSummary) =>
  p.isAugmented
    ? `${p.views.toLocaleString('en')} augmented view${p.views === 1 ? '' : 's'}`
    : p.views === 2
      ? '(the un-augmented view + one augmented view for the last epoch)'
      : '1 un-augmented view';

const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * One line for the run's log: what was cached and how long it took, the head's training time,
 * the least a plain frozen fit would have taken for the same epochs (one body forward per image
 * and epoch at the build's pace; its backward pass comes on top), and what precompute changes.
 * Null for a plain fit.
 */
export function describePrecompute(result: FitResult): string | null {
  const p = result.precompute;
  if (p == null) return null;
  const { cacheS, trainS, epochs } = result.timing;
  const plural = (n: number, word: string) =>
    `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
  const valid = p.validImages > 0 ? ` + ${plural(p.validImages, 'validation image')}` : '';
  const plainS = (epochs * (p.trainImages + p.validImages)) / p.bodyImgS;
  if (p.reused)
    return (
      `precompute: reused the activations of ${plural(p.trainImages, 'training image')} × ${viewsOf(p)} ` +
      `an earlier fit cached (the body unchanged since), then ${plural(epochs, 'epoch')} of the head in ${fmt(trainS)} s, ` +
      `where a plain frozen fit needs at least ${fmt(plainS)} s for its forward passes alone.`
    );
  return (
    `precompute: ${plural(p.trainImages, 'training image')} × ${viewsOf(p)}${valid} ` +
    `through the frozen body${p.threads > 1 ? ` on ${p.threads} threads` : ''} in ${fmt(cacheS)} s (${fmt(p.bodyImgS, 0)} img/s, ${fmt(p.cacheMb)} MB ` +
    `cached), then ${plural(epochs, 'epoch')} of the head in ${fmt(trainS)} s: ${fmt(cacheS + trainS)} s ` +
    `in all, where a plain frozen fit needs at least ${fmt(plainS)} s for its forward passes alone ` +
    `(backward passes not counted). ` +
    (p.bodyBatchNorms === 0
      ? `The body has no BatchNorm layers (folded into its convolutions): the cache changes nothing a plain frozen fit would train.`
      : (p.adaptImages > 0
          ? `The body's BatchNorm statistics were first adapted to this data (${plural(p.adaptImages, 'training image')} in training mode), then kept fixed; `
          : `The body's BatchNorm statistics were kept as they were; `) +
        `their weights were not trained, where a plain frozen fit trains them on this data.`)
  );
}
