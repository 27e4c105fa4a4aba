/**
 * A finished pets-sized run for `npm run bench -- --web`: the rows a worker leaves after the
 * lesson's plan on Oxford-IIIT Pet (37 breeds, 1,478 validation images, 93 batches an epoch),
 * with generated predictions in place of a trained model's. The interpretation is built with the
 * same @studio/ml functions and stored in the same layout as the worker's storeStageArtefacts.
 */
import { createMulberry32 } from '@studio/datasets';
import type { Db, Prisma } from '@studio/db';
import {
  fromPredictions,
  toStored,
  type Interpretation,
  type PredictionsInput,
} from '@studio/ml/interpret';

/** The Oxford-IIIT Pet breeds in the order fastai's `data.classes` lists them. */
export const PET_BREEDS = [
  'Abyssinian',
  'Bengal',
  'Birman',
  'Bombay',
  'British_Shorthair',
  'Egyptian_Mau',
  'Maine_Coon',
  'Persian',
  'Ragdoll',
  'Russian_Blue',
  'Siamese',
  'Sphynx',
  'american_bulldog',
  'american_pit_bull_terrier',
  'basset_hound',
  'beagle',
  'boxer',
  'chihuahua',
  'english_cocker_spaniel',
  'english_setter',
  'german_shorthaired',
  'great_pyrenees',
  'havanese',
  'japanese_chin',
  'keeshond',
  'leonberger',
  'miniature_pinscher',
  'newfoundland',
  'pomeranian',
  'pug',
  'saint_bernard',
  'samoyed',
  'scottish_terrier',
  'shiba_inu',
  'staffordshire_bull_terrier',
  'wheaten_terrier',
  'yorkshire_terrier',
];

/** Validation images of pets with the lesson's split, and its training batches of 64. */
export const PETS_VALID_ITEMS = 1478;
const BATCHES_PER_EPOCH = 93;

/** Breeds a pets model mixes up (lesson 1's most_confused); their errors go to each other. */
const LOOKALIKES: [string, string][] = [
  ['american_pit_bull_terrier', 'staffordshire_bull_terrier'],
  ['american_bulldog', 'american_pit_bull_terrier'],
  ['Ragdoll', 'Birman'],
  ['Siamese', 'Birman'],
  ['British_Shorthair', 'Russian_Blue'],
  ['Egyptian_Mau', 'Bengal'],
  ['english_cocker_spaniel', 'english_setter'],
  ['basset_hound', 'beagle'],
];

/** The run's plan as the API takes it: the lesson's stages. */
export const LESSON_STAGES = [
  { kind: 'fit_one_cycle', epochs: 4, maxLr: 3e-3 },
  { kind: 'lr_find', startLr: 1e-7, endLr: 10, numIt: 100 },
  { kind: 'unfreeze' },
  { kind: 'fit_one_cycle', epochs: 2, maxLr: { lo: 1e-6, hi: 1e-4 } },
];

/** A standard normal draw (Box–Muller). */
const normal = (rng: () => number) =>
  Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/**
 * Softmax of random logits with the predicted class boosted: about 15 % of a look-alike breed's
 * images are predicted as its look-alike (the actual breed then comes second), 2 % of the
 * others' as any breed, so about 7 % are wrong in all, clustered in a handful of pairs.
 */
export function generatePredictions(
  keys: readonly string[],
  classes: readonly string[],
  seed: number,
): PredictionsInput {
  const rng = createMulberry32(seed);
  const c = classes.length;
  const n = keys.length;
  const partners = classes.map((name) =>
    LOOKALIKES.flatMap(([a, b]) => (a === name ? [b] : b === name ? [a] : [])).map((p) =>
      classes.indexOf(p),
    ),
  );
  const probs = new Float32Array(n * c);
  const targets = new Int32Array(n);
  const losses = new Float32Array(n);
  const logits = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const target = i % c;
    const near = partners[target]!;
    const isWrong = rng() < (near.length > 0 ? 0.15 : 0.02);
    const predicted = !isWrong
      ? target
      : near.length > 0
        ? near[Math.floor(rng() * near.length)]!
        : (target + 1 + Math.floor(rng() * (c - 1))) % c;
    for (let j = 0; j < c; j++) logits[j] = 0.8 * normal(rng);
    logits[predicted]! += 5 + 4 * rng();
    if (isWrong) logits[target]! += 3 + 2 * rng();
    const max = Math.max(...logits);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(logits[j]! - max);
    for (let j = 0; j < c; j++) probs[i * c + j] = Math.exp(logits[j]! - max) / sum;
    targets[i] = target;
    losses[i] = -Math.log(probs[i * c + target]!);
  }
  return { probs, targets, losses, keys, classes };
}

/** The validation loss the last epoch reports: the mean of the items' losses. */
const meanLoss = (interp: Interpretation) => interp.losses.reduce((a, b) => a + b, 0) / interp.n;

/** The StageInterpretation row as storeStageArtefacts writes it. */
function interpretationRow(interp: Interpretation) {
  const stored = toStored(interp);
  return { ...stored, perClass: stored.perClass as unknown as Prisma.InputJsonValue };
}

/** fastai's cosine annealing from `start` to `end` at `pos` in [0, 1]. */
const cosineAnneal = (start: number, end: number, pos: number) =>
  start + ((end - start) * (1 - Math.cos(Math.PI * pos))) / 2;

/**
 * The batch rows of a one-cycle fit (fastai v1 defaults: 30 % warm-up, lr from max/25 to max to
 * max/25e4, momentum 0.95 → 0.85 → 0.95) with a loss decaying from `from` to `to` and its
 * debiased moving average (β 0.98) as the recorder smooths it.
 */
function fitBatches(
  stageId: string,
  epochs: number,
  maxLr: number,
  [from, to]: [number, number],
  rng: () => number,
) {
  const total = epochs * BATCHES_PER_EPOCH;
  const warm = Math.floor(total * 0.3);
  let average = 0;
  return Array.from({ length: total }, (_, i) => {
    const isWarm = i < warm;
    const pos = isWarm ? i / warm : (i - warm) / (total - warm);
    const loss = (to + (from - to) * Math.exp((-4 * i) / total)) * (1 + 0.25 * (rng() - 0.5));
    average = 0.98 * average + 0.02 * loss;
    return {
      stageId,
      iteration: i + 1,
      epoch: Math.floor(i / BATCHES_PER_EPOCH),
      loss,
      smoothLoss: average / (1 - 0.98 ** (i + 1)),
      lr: isWarm ? cosineAnneal(maxLr / 25, maxLr, pos) : cosineAnneal(maxLr, maxLr / 25e4, pos),
      mom: isWarm ? cosineAnneal(0.95, 0.85, pos) : cosineAnneal(0.85, 0.95, pos),
    };
  });
}

/**
 * An LR finder's curve over lrs growing from 1e-7 (flat, a dip near 1e-3, then diverging after 87
 * iterations) with the result the worker stores and fastai's two suggestions from the points the
 * plot shows.
 */
function lrFind(stageId: string, rng: () => number) {
  const lrs = Array.from({ length: 87 }, (_, i) => 1e-7 * (10 / 1e-7) ** (i / 99));
  const losses = lrs.map((lr) => {
    const x = Math.log10(lr);
    return 0.32 - 0.12 / (1 + Math.exp(-2.5 * (x + 4.5))) + 0.02 * Math.exp(3 * (x + 1.2));
  });
  const shown = lrs.slice(10, -5).map((lr, i) => ({ lr, loss: losses[i + 10]! }));
  let steepest = 1;
  for (let i = 2; i < shown.length; i++)
    if (shown[i]!.loss - shown[i - 1]!.loss < shown[steepest]!.loss - shown[steepest - 1]!.loss)
      steepest = i;
  const lowest = shown.reduce((a, b) => (b.loss < a.loss ? b : a));
  const batches = lrs.map((lr, i) => ({
    stageId,
    iteration: i + 1,
    epoch: 0,
    loss: losses[i]! * (1 + 0.2 * (rng() - 0.5)),
    smoothLoss: losses[i]!,
    lr,
    mom: 0.9,
  }));
  return {
    batches,
    result: {
      lrs,
      losses,
      suggestions: { steepest: shown[steepest]!.lr, minDiv10: lowest.lr / 10 },
      stoppedBy: 'diverged',
    },
  };
}

/** One epoch row per epoch, ending at the interpretation's error rate and loss as the worker's do. */
function epochRows(
  stageId: string,
  trainLosses: number[],
  validLosses: number[],
  errorRates: number[],
) {
  return trainLosses.map((trainLoss, epoch) => ({
    stageId,
    epoch,
    trainLoss,
    validLoss: validLosses[epoch]!,
    errorRate: errorRates[epoch]!,
    accuracy: 1 - errorRates[epoch]!,
    seconds: 95,
  }));
}

/** A fit stage's `result` in the worker's shape (a plain fit on two threads). */
function fitResult(epochs: number, validLoss: number, errorRate: number) {
  return {
    epochs,
    iterations: epochs * BATCHES_PER_EPOCH,
    validLoss,
    metrics: { error_rate: errorRate },
    errorRate,
    artefactsMs: { interpretation: 40, export: 900 },
    timing: { cacheS: 0, trainS: epochs * 95, epochs },
    microBatch: null,
    threads: 2,
    precompute: null,
  };
}

export interface FinishedPetsRun {
  /** The two fit stages, frozen then unfrozen. */
  fitStageIds: [string, string];
  /** The first fit stage's interpretation, to recognise it in a page. */
  confusion: number[][];
  errorRate: number;
  /** Batch rows stored over all stages. */
  batches: number;
}

/**
 * Marks the run of LESSON_STAGES and its stages done and writes what the worker would have:
 * epoch and batch rows, the LR finder's curve, the unfreeze result and each fit stage's
 * interpretation over `fileIds` (PETS_VALID_ITEMS of them).
 */
export async function finishPetsRun(
  db: Db,
  runId: string,
  fileIds: readonly string[],
): Promise<FinishedPetsRun> {
  const stages = await db.stage.findMany({ where: { runId }, orderBy: { index: 'asc' } });
  const kinds = stages.map((s) => s.kind).join(', ');
  if (kinds !== LESSON_STAGES.map((s) => s.kind).join(', '))
    throw new Error(
      `The run's stages are ${kinds}; expected the lesson's ${LESSON_STAGES.map((s) => s.kind).join(', ')}.`,
    );
  const [frozen, finder, unfreeze, unfrozen] = [0, 1, 2, 3].map((i) => stages[i]!.id) as [
    string,
    string,
    string,
    string,
  ];
  const rng = createMulberry32(37);
  const first = fromPredictions(generatePredictions(fileIds, PET_BREEDS, 1));
  const second = fromPredictions(generatePredictions(fileIds, PET_BREEDS, 2));
  const firstRow = interpretationRow(first);
  const secondRow = interpretationRow(second);
  const e1 = firstRow.errorRate;
  const e2 = secondRow.errorRate;
  const v1 = meanLoss(first);
  const v2 = meanLoss(second);
  const found = lrFind(finder, rng);

  await db.epochMetric.createMany({
    data: [
      ...epochRows(
        frozen,
        [1.21, 0.55, 0.41, 0.33],
        [v1 + 0.09, v1 + 0.05, v1 + 0.02, v1],
        [e1 + 0.028, e1 + 0.014, e1 + 0.006, e1],
      ),
      ...epochRows(unfrozen, [0.31, 0.28], [v2 + 0.01, v2], [e2 + 0.004, e2]),
    ],
  });
  const batches = [
    ...fitBatches(frozen, 4, 3e-3, [3.9, 0.33], rng),
    ...found.batches,
    ...fitBatches(unfrozen, 2, 1e-4, [0.34, 0.28], rng),
  ];
  await db.batchMetric.createMany({ data: batches });
  await db.stageInterpretation.create({ data: { stageId: frozen, ...firstRow } });
  await db.stageInterpretation.create({ data: { stageId: unfrozen, ...secondRow } });

  const results: [string, Prisma.InputJsonValue][] = [
    [frozen, fitResult(4, v1, e1)],
    [finder, found.result],
    [unfreeze, { frozenGroups: 0 }],
    [unfrozen, fitResult(2, v2, e2)],
  ];
  const startedAt = new Date(Date.now() - 15 * 60_000);
  const finishedAt = new Date();
  await db.$transaction([
    ...results.map(([id, result]) =>
      db.stage.update({
        where: { id },
        data: { status: 'done', attempts: 1, result, startedAt, finishedAt },
      }),
    ),
    db.run.update({
      where: { id: runId },
      data: { status: 'done', bestErrorRate: Math.min(e1, e2), startedAt, finishedAt },
    }),
  ]);
  return {
    fitStageIds: [frozen, unfrozen],
    confusion: firstRow.confusion,
    errorRate: e1,
    batches: batches.length,
  };
}
