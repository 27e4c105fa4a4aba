import type { Db, PostgresBlobStore, Prisma } from '@studio/db';
import {
  exportModel,
  fromPredictions,
  toStored,
  type ExportOptions,
  type Learner,
  type ThreadsOption,
} from '@studio/ml';

/** What a finished fit stage leaves besides its weights, with how long each part took. */
export interface StageArtefacts {
  /** Share of validation items predicted wrong; null when the data has no validation items. */
  errorRate: number | null;
  validItems: number;
  exportBytes: number;
  ms: { interpretation: number; export: number };
}

/** Blob key of one file of a stage's exported model. */
export const exportBlobKey = (stageId: string, name: string) => `export/${stageId}/${name}`;

/**
 * fastai v1 `ClassificationInterpretation.from_learner(learn)` and `learn.export()` for a stage
 * that has just finished fitting: the validation predictions with their confusion matrix and
 * per-class precision/recall, and the whole network as a self-contained tfjs bundle. Both are
 * upserted, so a stage resumed after a crash writes them again without conflict.
 */
export async function storeStageArtefacts(
  db: Db,
  blobs: PostgresBlobStore,
  learner: Learner,
  stageId: string,
  preprocessing: ExportOptions['preprocessing'],
  threads: ThreadsOption = 1,
): Promise<StageArtefacts> {
  const started = performance.now();
  const interp = fromPredictions({
    ...(await learner.getPreds('valid', { threads })),
    classes: learner.data.classes,
  });
  let errorRate: number | null = null;
  if (interp.n > 0) {
    const stored = toStored(interp);
    errorRate = stored.errorRate;
    const row = {
      ...stored,
      perClass: stored.perClass as unknown as Prisma.InputJsonValue,
      createdAt: new Date(),
    };
    await db.stageInterpretation.upsert({
      where: { stageId },
      create: { stageId, ...row },
      update: row,
    });
  }
  const interpreted = performance.now();

  const files = await exportModel(learner.model, {
    classes: learner.data.classes,
    preprocessing,
  });
  const stored: { name: string; blobKey: string; bytes: number }[] = [];
  for (const [name, bytes] of files) {
    const blobKey = exportBlobKey(stageId, name);
    // putStream replaces an existing blob: a re-export must not keep the older bytes.
    await blobs.putStream(
      blobKey,
      once(bytes),
      name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    );
    stored.push({ name, blobKey, bytes: bytes.byteLength });
  }
  const exportBytes = stored.reduce((sum, f) => sum + f.bytes, 0);
  const exportRow = { files: stored, bytes: BigInt(exportBytes), createdAt: new Date() };
  await db.stageExport.upsert({
    where: { stageId },
    create: { stageId, ...exportRow },
    update: exportRow,
  });
  return {
    errorRate,
    validItems: interp.n,
    exportBytes,
    ms: {
      interpretation: Math.round(interpreted - started),
      export: Math.round(performance.now() - interpreted),
    },
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
