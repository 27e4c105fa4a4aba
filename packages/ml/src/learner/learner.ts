import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { flattenLayers } from '../models/backbone';
import { AdamW, type Param } from './adamw';
import type { Callback } from './callback';
import type { CachedFeatures } from './feature-cache';
import type { LearnerData, PredictSplit } from './data';
import { runFit, type FitOptions, type FitResult } from './fit-loop';
import {
  readLearnerFile,
  writeLearnerFile,
  LEARNER_FORMAT,
  type FitCheckpoint,
  type LearnerFileHeader,
} from './learner-file';
import { slice, type LearningRate } from './lr-range';
import { findLr, type LrFindOptions, type LrFindResult } from './lr-finder';
import { errorRate, type Metric } from './metrics';
import { OneCycleScheduler } from './one-cycle';
import { crossEntropy } from '../training/cross-entropy';
import {
  collectPredictions,
  scorePredictions,
  type BatchForward,
  type Predictions,
  type ValidationResult,
} from './predictions';
import { openPooledForward } from './pooled-forward';
import { trainingThreads, type ThreadsOption } from './data-parallel';
import { Recorder } from './recorder';
import { weightKey } from '../training/weight-key';
import type { OneCycleOptions } from './schedules';
import { installTrainingLayers, type TrainingLayersOptions } from '../training/training-layers';
import { openOnnxForward, usesOnnxRuntime, type InferenceEngineOption } from '../onnx/onnx-forward';
import { splitHead } from '../training/head-split';
import { wholeBatchHead, type WholeBatchHead } from '../training/whole-batch-head';

export interface LearnerOptions {
  /** Computed over the validation set after each epoch. Default [errorRate]. */
  metrics?: Metric[];
  /** Decoupled weight decay. Default 1e-2 (fastai v1 defaults.wd). */
  wd?: number;
  /** Keep BatchNorm layers trainable in frozen groups (fastai train_bn). Default true. */
  trainBn?: boolean;
  /** PyTorch-style BatchNorm momentum for running statistics while training. Default 0.1. */
  bnMomentum?: number;
  /**
   * What the BatchNorm layers of the body (every group but the last) normalise with while
   * training: 'batch' (fastai: the batch's statistics, running ones updated), 'running' (the
   * pretrained running statistics, left unchanged, as Keras fine-tunes) or 'adapted' (as
   * 'running', with statistics first measured on this data: see adaptBodyStatistics).
   * Default 'batch'.
   */
  bodyBnStatistics?: BodyBnStatistics;
  /** Seeds the dropout masks (and cnnLearner's head weights), so a fit repeats exactly. */
  seed?: number;
  /** Callbacks for every fit, besides the recorder and the ones passed to a fit. */
  callbacks?: Callback[];
  /**
   * What runs the forward passes that do not train (feature cache, validation, predictions):
   * 'auto' is ONNX Runtime when it loads here, else tfjs. Default 'auto'.
   */
  inferenceEngine?: InferenceEngineOption;
}

export type { ValidationResult };

export type BodyBnStatistics = 'batch' | 'running' | 'adapted';

/** Training batches whose statistics the body's BatchNorm layers average when adapted. */
export const ADAPT_BN_BATCHES = 20;

export interface PredsOptions {
  /**
   * Threads computing the model's forward: a number, or 'auto' (min(2, cores) on wasm and cpu
   * for batches of 8+). Above 1, each batch is split in shares computed by worker threads that
   * hold a copy of the model, so predictions use every core on wasm. Default 1. Not used
   * on ONNX Runtime, which uses every core itself.
   */
  threads?: ThreadsOption;
  /** Overrides the learner's inferenceEngine for this call. */
  engine?: InferenceEngineOption;
}

export interface SaveOptions {
  /** Include the Adam moments (to continue training exactly). Default true. */
  withOptimizer?: boolean;
}

const isBatchNorm = (layer: tfl.layers.Layer) => layer.getClassName() === 'BatchNormalization';

/**
 * A model, its data, layer groups and optimiser, and the training loop (fastai v1 Learner).
 * `cnnLearner` builds one for a pretrained backbone; this class takes any LayersModel whose
 * output is class logits. The learner owns the model: `dispose()` frees it.
 */
export class Learner {
  readonly recorder = new Recorder();
  readonly metrics: Metric[];
  readonly callbacks: Callback[];
  wd: number;
  readonly trainBn: boolean;
  readonly bodyBnStatistics: BodyBnStatistics;
  /** BatchNorm layers in the body (every group but the last); 0 where they are folded away. */
  readonly bodyBatchNorms: number;
  /** Whether the body's statistics were measured on this data ('adapted'); saved. */
  isBnAdapted = false;
  /** The `seed` option: seeds dropout, and a precomputed fit's draws from its cache. */
  readonly seed: number | undefined;
  inferenceEngine: InferenceEngineOption;
  opt: AdamW;
  /** Groups frozen from the first; 0 when the whole model trains. */
  frozenGroups = 0;
  /**
   * The data epoch (shuffle and augmentation) the next training epoch draws. It advances with
   * every epoch of every fit and is saved, so a later fit, here or in a learner loaded
   * elsewhere, sees new batches (as fastai's generator moves on) instead of repeating the
   * first fit's, which the model has already learnt.
   */
  dataEpoch = 0;
  /** Training calls per seeded Dropout layer, where its masks continue; saved with the rest. */
  private readonly dropoutCalls = new Map<string, number>();
  /**
   * What the model's training-mode layer calls were installed with; a replica of the model in
   * another thread (data-parallel.ts) installs the same, and its dropout calls continue this
   * learner's `dropoutCalls`.
   */
  readonly trainingLayers: TrainingLayersOptions;
  /**
   * Activations of the frozen body a precomputed fit cached, for the next precomputed fit while
   * the body stays as it was; freezeTo, load, a plain fit and dispose drop them.
   */
  cachedFeatures: CachedFeatures | null = null;
  private readonly weights: { key: string; variable: tfl.LayerVariable }[];

  constructor(
    readonly data: LearnerData,
    readonly model: tfl.LayersModel,
    readonly layerGroups: tfl.layers.Layer[][],
    options: LearnerOptions = {},
  ) {
    this.metrics = options.metrics ?? [errorRate];
    this.callbacks = options.callbacks ?? [];
    this.wd = options.wd ?? 1e-2;
    this.trainBn = options.trainBn ?? true;
    this.seed = options.seed;
    this.inferenceEngine = options.inferenceEngine ?? 'auto';
    this.weights = flattenLayers(model).flatMap((layer) =>
      layer.weights.map((variable) => ({ key: weightKey(layer, variable), variable })),
    );
    const keys = this.weights.map((w) => w.key);
    const duplicate = keys.find((key, i) => keys.indexOf(key) !== i);
    if (duplicate != null) {
      throw new Error(
        `Two weights of the model are both named "${duplicate}"; layer names must be unique to save and load.`,
      );
    }
    this.bodyBnStatistics = options.bodyBnStatistics ?? 'batch';
    const bodyBatchNorms = layerGroups.slice(0, -1).flat().filter(isBatchNorm);
    this.bodyBatchNorms = bodyBatchNorms.length;
    const runningStatistics =
      this.bodyBnStatistics !== 'batch' ? new Set(bodyBatchNorms.map((l) => l.name)) : undefined;
    this.trainingLayers = {
      bnMomentum: options.bnMomentum,
      runningStatistics,
      seed: options.seed,
      dropoutCalls: this.dropoutCalls,
    };
    installTrainingLayers(flattenLayers(model), this.trainingLayers);
    this.opt = this.createOptimizer();
  }

  get isFrozen(): boolean {
    return this.frozenGroups > 0;
  }

  /**
   * Freezes the first `n` layer groups (negative counts from the end) except their BatchNorm
   * layers when trainBn, unfreezes the rest, and starts a fresh optimiser (fastai v1 freeze_to).
   */
  freezeTo(n: number): void {
    const count = this.layerGroups.length;
    const frozen = n < 0 ? Math.max(count + n, 0) : Math.min(n, count);
    this.layerGroups.forEach((group, g) => {
      for (const layer of group)
        layer.trainable = g >= frozen || (this.trainBn && isBatchNorm(layer));
    });
    this.frozenGroups = frozen;
    this.cachedFeatures = null;
    this.opt.dispose();
    this.opt = this.createOptimizer();
  }

  /** Freezes every group but the head. */
  freeze(): void {
    if (this.layerGroups.length < 2)
      throw new Error('freeze() needs at least two layer groups (body and head).');
    this.freezeTo(-1);
  }

  unfreeze(): void {
    this.freezeTo(0);
  }

  private createOptimizer(): AdamW {
    const groups: Param[][] = this.layerGroups.map((group) =>
      group.flatMap((layer) =>
        layer.trainableWeights.map((variable) => ({
          key: weightKey(layer, variable),
          variable: variable.read() as tf.Variable,
        })),
      ),
    );
    return new AdamW(groups, { wd: this.wd });
  }

  /**
   * With bodyBnStatistics 'adapted', once per learner (before its first fit): moves each body
   * BatchNorm layer's statistics towards `batches` training batches' (the body in training
   * mode, no gradients, momentum 0.1; epochs repeat when shorter, so a small dataset gets all
   * 20 steps, not 2), which every later stage then normalises with, frozen or not. A frozen
   * head thus learns the very features an unfrozen fit computes; an unfrozen stage that
   * switched to batch statistics knocked the head off what it had learnt. A plain average of
   * the batches' statistics measured worse (sign-language-digits at 128 px, frozen: 16.8 %
   * against 8.5 %). Returns the images used (0: nothing to adapt).
   */
  async adaptBodyStatistics(batches = ADAPT_BN_BATCHES): Promise<number> {
    if (this.bodyBnStatistics !== 'adapted' || this.isBnAdapted || this.bodyBatchNorms === 0)
      return 0;
    const body = splitHead(this.model, this.layerGroups.at(-1)!).featureModel();
    let images = 0;
    let done = 0;
    try {
      for (let epoch = this.dataEpoch; done < batches; epoch++) {
        const before = done;
        for await (const { x, y } of this.data.train.batches(epoch)) {
          try {
            this.trainingLayers.adaptingBatch = done++;
            tf.tidy(() => {
              body.apply(x, { training: true });
            });
            images += x.shape[0]!;
          } finally {
            tf.dispose([x, y]);
          }
          if (done >= batches) break;
        }
        if (done === before) break; // no training batches at all
      }
    } finally {
      this.trainingLayers.adaptingBatch = null;
    }
    this.isBnAdapted = images > 0;
    this.cachedFeatures = null;
    return images;
  }

  /**
   * The model cut before its head, with the optimiser's variables on each side, for training
   * steps split into passes or shares (whole-batch-head.ts); null when the head is not a chain.
   */
  wholeBatchHead(): WholeBatchHead | null {
    return wholeBatchHead(this.model, this.layerGroups.at(-1)!, this.opt.variables, this.data.c);
  }

  /** Mean cross-entropy of a batch in training mode (dropout on, BatchNorm on batch statistics). */
  trainingLoss(x: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() =>
      crossEntropy(this.model.apply(x, { training: true }) as tf.Tensor, y, this.data.c),
    );
  }

  fit(
    epochs: number,
    lr: LearningRate = slice(3e-3),
    options: FitOptions = {},
  ): Promise<FitResult> {
    return runFit(this, epochs, lr, options);
  }

  /** fastai v1 fit_one_cycle; the default max_lr is fastai's defaults.lr, slice(3e-3). */
  fitOneCycle(
    epochs: number,
    maxLr: LearningRate = slice(3e-3),
    options: FitOptions & OneCycleOptions = {},
  ): Promise<FitResult> {
    const { pctStart, divFactor, finalDiv, moms, ...fitOptions } = options;
    const scheduler = new OneCycleScheduler(maxLr, { pctStart, divFactor, finalDiv, moms });
    return this.fit(epochs, maxLr, {
      ...fitOptions,
      callbacks: [scheduler, ...(fitOptions.callbacks ?? [])],
    });
  }

  lrFind(options: LrFindOptions = {}): Promise<LrFindResult> {
    return findLr(this, options);
  }

  /** Loss and metrics over the whole validation set. */
  async validate(options: PredsOptions = {}): Promise<ValidationResult> {
    return scorePredictions(await this.getPreds('valid', options), this.metrics);
  }

  /** Probabilities, targets, per-item losses and keys over a split, for interpretation. */
  async getPreds(split: PredictSplit = 'valid', options: PredsOptions = {}): Promise<Predictions> {
    if (await usesOnnxRuntime(options.engine ?? this.inferenceEngine)) {
      // Converted here, so the session has the weights as they are now.
      const onnx = await openOnnxForward(this.model);
      try {
        return await this.predictWith(split, (x) => onnx.forward(x), 2);
      } finally {
        await onnx.close();
      }
    }
    const threads = trainingThreads(options.threads ?? 1, {
      batchSize: this.data.train.bs ?? 0,
      isPrecomputed: false,
    });
    if (threads === 1) {
      const forward = (x: tf.Tensor) =>
        tf.tidy(() => this.model.apply(x, { training: false }) as tf.Tensor);
      return this.predictWith(split, forward);
    }
    const pooled = await openPooledForward(this.model, threads);
    try {
      return await this.predictWith(split, (x) => pooled.forward(x), 2);
    } finally {
      pooled.close();
    }
  }

  /**
   * getPreds through a given forward of the model (the fit loop's, on its training workers),
   * with up to `inFlight` batches computing at once.
   */
  predictWith(split: PredictSplit, forward: BatchForward, inFlight = 1): Promise<Predictions> {
    const { data } = this;
    if (split === 'test' && data.test == null) throw new Error('This data has no test split.');
    // The training split comes as training batches do (shuffled, augmented, last partial
    // batch dropped), as fastai v1's get_preds(DatasetType.Train).
    const batches =
      split === 'train'
        ? data.train.batches(0)
        : split === 'valid'
          ? data.valid.batches()
          : data.test!.batches();
    return collectPredictions(forward, batches, data.c, inFlight);
  }

  /**
   * Weights, optimiser state, frozen groups, classes and where the random streams (data epoch,
   * dropout masks) stand, as self-describing bytes.
   */
  async save(
    options: SaveOptions = {},
    checkpoint: FitCheckpoint | null = null,
  ): Promise<Uint8Array> {
    const withOptimizer = options.withOptimizer ?? true;
    const optState = withOptimizer ? await this.opt.getState() : [];
    const header: LearnerFileHeader = {
      format: LEARNER_FORMAT,
      version: 1,
      classes: [...this.data.classes],
      layerGroups: this.layerGroups.length,
      frozenGroups: this.frozenGroups,
      optimizer: withOptimizer
        ? {
            lr: [...this.opt.lr],
            mom: this.opt.mom,
            beta2: this.opt.beta2,
            eps: this.opt.eps,
            wd: this.opt.wd,
            steps: Object.fromEntries(optState.map((s) => [s.key, s.step])),
          }
        : null,
      checkpoint,
      isBnAdapted: this.isBnAdapted,
      randomState: {
        dataEpoch: this.dataEpoch,
        dropoutCalls: Object.fromEntries(this.dropoutCalls),
      },
    };
    const named = this.weights.map((w) => ({ key: w.key, tensor: w.variable.read() }));
    return writeLearnerFile(header, named, optState);
  }

  /** Weights only, for storing a trained model. */
  getWeightsBytes(): Promise<Uint8Array> {
    return this.save({ withOptimizer: false });
  }

  /**
   * Restores what `save` wrote: weights, frozen state, random streams, and the optimiser when
   * included (a weights-only file keeps the current optimiser if the frozen state is unchanged).
   * Returns the file's header, whose `checkpoint` tells a resumed fit where to continue.
   */
  async load(bytes: Uint8Array): Promise<LearnerFileHeader> {
    const { header, weights, optimizerState } = readLearnerFile(bytes);
    this.cachedFeatures = null;
    if (header.classes.join('\n') !== this.data.classes.join('\n')) {
      throw new Error(
        `The saved learner was trained on classes [${header.classes.join(', ')}], but this data has [${this.data.classes.join(', ')}].`,
      );
    }
    const missing = this.weights.filter((w) => !weights.has(w.key)).map((w) => w.key);
    if (missing.length > 0 || weights.size !== this.weights.length) {
      throw new Error(
        `The saved weights do not fit this model: ${missing.length} of its ${this.weights.length} weights are missing ` +
          `(first: ${missing.slice(0, 3).join(', ') || 'none'}) and the file holds ${weights.size}. Was it saved from another architecture?`,
      );
    }
    for (const { key, variable } of this.weights) {
      const saved = weights.get(key)!;
      if (saved.shape.join() !== variable.shape.join()) {
        throw new Error(
          `Saved weight "${key}" has shape [${saved.shape}], the model's is [${variable.shape}].`,
        );
      }
      tf.tidy(() => {
        variable.write(tf.tensor(saved.data, saved.shape));
      });
    }
    // A different frozen state means another optimiser (as freeze_to); the same one keeps it.
    if (header.frozenGroups !== this.frozenGroups) this.freezeTo(header.frozenGroups);
    if (header.optimizer != null) {
      const { lr, mom, beta2, eps, wd } = header.optimizer;
      Object.assign(this.opt, { lr, mom, beta2, eps, wd });
      this.opt.setState(optimizerState);
    }
    // Without these a learner loaded in a new process would train on the very batches and
    // dropout masks its first epochs did, which the model has memorised: the training loss
    // would drop far below what it was when saved.
    this.isBnAdapted = header.isBnAdapted ?? false;
    if (header.randomState != null) {
      this.dataEpoch = header.randomState.dataEpoch;
      this.dropoutCalls.clear();
      for (const [name, calls] of Object.entries(header.randomState.dropoutCalls))
        this.dropoutCalls.set(name, calls);
    }
    return header;
  }

  dispose(): void {
    this.cachedFeatures = null;
    this.opt.dispose();
    this.model.dispose();
  }
}
