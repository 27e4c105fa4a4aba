import { z } from 'zod';
import { uploadedArchId } from './backbones';

/** Registry backbones a run can start from; resnets need their weights (downloaded or given as a file). */
export const ARCHS = [
  'resnet18',
  'resnet34',
  'resnet50',
  'mobilenet_v2_0.35',
  'mobilenet_v2_1.0',
  'darknet_tiny',
] as const;
export const archId = z.enum(ARCHS);
export type ArchId = z.infer<typeof archId>;

/** What a run trains from: a registry architecture or an uploaded backbone ("uploaded:<id>"). */
export const runArch = z.union([archId, uploadedArchId]);
export type RunArch = z.infer<typeof runArch>;

/** fastai `get_transforms()` strengths, each with its default. */
export const augmentConfig = z.object({
  enabled: z.boolean().default(true),
  doFlip: z.boolean().default(true),
  maxRotate: z.number().min(0).max(45).default(10),
  maxZoom: z.number().min(1).max(2).default(1.1),
  maxLighting: z.number().min(0).max(0.9).default(0.2),
  maxWarp: z.number().min(0).max(0.5).default(0.2),
  pAffine: z.number().min(0).max(1).default(0.75),
  pLighting: z.number().min(0).max(1).default(0.75),
});
export type AugmentConfig = z.infer<typeof augmentConfig>;

export const runConfig = z.object({
  size: z.number().int().min(32).max(512).default(224),
  resizeMode: z.enum(['crop', 'pad', 'squish']).default('crop'),
  bs: z.number().int().min(1).max(512).default(64),
  augment: augmentConfig.default(augmentConfig.parse({})),
  metrics: z
    .array(z.enum(['error_rate', 'accuracy']))
    .min(1)
    .default(['error_rate']),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
  /**
   * Frozen stages train the head on cached activations of the frozen body (fastai 0.7's
   * `precompute=True`): 'auto' on CPU backends, 'on' everywhere, 'off' never. The body's
   * BatchNorm weights are not trained; its statistics are the pretrained ones at the backbone's
   * own size (kept in every stage, with or without the cache: defaultBodyBnStatistics in
   * @studio/ml), else adapted to the data first.
   */
  precompute: z.enum(['auto', 'on', 'off']).default('auto'),
  /**
   * Augmented views cached per training image (at most one per epoch); 0 = un-augmented only,
   * fastai 0.7's precompute and the fastest.
   */
  precomputeViews: z.number().int().min(0).max(16).default(0),
  /**
   * Images per forward/backward pass of a training batch: 'auto' splits a batch only when it
   * would not fit the backend's memory (wasm stops at 4 GB), 'off' never splits, a number always
   * splits into passes of at most that many images. Gradients are summed over the passes.
   */
  microBatch: z.union([z.enum(['auto', 'off']), z.number().int().min(1).max(512)]).default('auto'),
  /**
   * Threads a training step of the plain strategy uses: each computes the gradients of a share of
   * the batch on its own copy of the model (BatchNorm statistics per share). 'auto' uses both
   * cores on the wasm and cpu backends for batches of 8 or more, 1 elsewhere.
   */
  threads: z.union([z.literal('auto'), z.number().int().min(1).max(8)]).default('auto'),
});
export type RunConfig = z.infer<typeof runConfig>;

/** A learning rate: one number, or fastai's `slice(lo, hi)` spread over the layer groups. */
export const learningRate = z.union([
  z.number().positive().max(10),
  z.object({ lo: z.number().positive().max(10).optional(), hi: z.number().positive().max(10) }),
]);
export type LearningRate = z.infer<typeof learningRate>;

export const stageSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fit_one_cycle'),
    epochs: z.number().int().min(1).max(200),
    maxLr: learningRate.default(3e-3),
    /**
     * End the stage on its best epoch's weights (lowest validation error), as fastai's
     * SaveModelCallback(every='improvement'); off by default, as in fastai: the last epoch's.
     */
    restoreBest: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('lr_find'),
    startLr: z.number().positive().default(1e-7),
    endLr: z.number().positive().default(10),
    numIt: z.number().int().min(10).max(1000).default(100),
  }),
  z.object({ kind: z.literal('unfreeze') }),
  z.object({ kind: z.literal('freeze') }),
  z.object({
    kind: z.literal('save'),
    name: z.string().regex(/^[\w.-]{1,64}$/, 'Use letters, digits, dot, dash or underscore.'),
  }),
  z.object({ kind: z.literal('load'), name: z.string().regex(/^[\w.-]{1,64}$/) }),
]);
export type StageSpec = z.infer<typeof stageSpec>;

/** A stored stage (its kind column and params JSON) as the spec it was created from. */
export function parseStageSpec(kind: string, params: unknown): StageSpec {
  return stageSpec.parse({ ...(params as object), kind });
}

/** The lesson's plan: 4 epochs frozen, save stage-1, lr_find, unfreeze, 2 epochs with slice(1e-6, 1e-4). */
export const LESSON_PLAN: StageSpec[] = [
  { kind: 'fit_one_cycle', epochs: 4, maxLr: 3e-3 },
  { kind: 'save', name: 'stage-1' },
  { kind: 'lr_find', startLr: 1e-7, endLr: 10, numIt: 100 },
  { kind: 'unfreeze' },
  { kind: 'fit_one_cycle', epochs: 2, maxLr: { lo: 1e-6, hi: 1e-4 } },
];

export const createRunRequest = z.object({
  versionId: z.string().uuid(),
  name: z.string().trim().min(1).max(200),
  arch: runArch,
  config: runConfig,
  stages: z.array(stageSpec).max(50).default([]),
  launch: z.boolean().default(false),
});
export type CreateRunRequest = z.infer<typeof createRunRequest>;

export const trainStageJob = z.object({ stageId: z.string().uuid() });
export type TrainStageJob = z.infer<typeof trainStageJob>;

/** Live events published by the worker while a stage runs (Postgres keeps the truth). */
export const runEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stage'),
    stageId: z.string(),
    status: z.string(),
    error: z.string().nullish(),
    errorKind: z.string().nullish(),
  }),
  z.object({
    type: z.literal('batch'),
    stageId: z.string(),
    epoch: z.number(),
    iteration: z.number(),
    batch: z.number(),
    batches: z.number(),
    epochs: z.number(),
    loss: z.number(),
    smoothLoss: z.number(),
    lr: z.number(),
    mom: z.number(),
    etaS: z.number().nullable(),
    phase: z.enum(['cache', 'train', 'valid', 'lr_find']),
  }),
  z.object({
    type: z.literal('epoch'),
    stageId: z.string(),
    epoch: z.number(),
    trainLoss: z.number(),
    validLoss: z.number(),
    errorRate: z.number(),
    accuracy: z.number(),
    seconds: z.number(),
  }),
  z.object({ type: z.literal('log'), stageId: z.string(), message: z.string() }),
]);
export type RunEvent = z.infer<typeof runEvent>;

export function runEventsChannel(prefix: string, runId: string): string {
  return `${prefix}:run-events:${runId}`;
}
