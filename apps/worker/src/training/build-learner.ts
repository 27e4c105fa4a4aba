import type { Db, PostgresBlobStore } from '@studio/db';
import {
  accuracy,
  cnnLearner,
  createDataBunch,
  errorRate,
  loadBackbone,
  type ArchitectureId,
  type ExportOptions,
  type Item,
  type Learner,
} from '@studio/ml';
import type { RunConfig } from '@studio/shared';

export interface LearnerPaths {
  pretrainedDir: string;
  cacheDir: string;
}

export interface RunLearner {
  learner: Learner;
  /** How validation feeds the model, which an export must repeat. */
  preprocessing: ExportOptions['preprocessing'];
}

/**
 * The learner of a run as fastai's lesson builds it: the dataset version's items through the
 * image pipeline, the pretrained backbone and fastai's head, frozen, with the preprocessing an
 * export of it needs. Images are read from Postgres, so any worker host can train any run.
 */
export async function buildLearner(
  db: Db,
  blobs: PostgresBlobStore,
  runId: string,
  paths: LearnerPaths,
): Promise<RunLearner> {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
  const config = run.config as RunConfig;
  const rows = await db.datasetVersionItem.findMany({
    where: { versionId: run.versionId },
    select: { split: true, labels: true, file: { select: { id: true, blobKey: true } } },
  });
  const blobKeyOf = new Map(rows.map((r) => [r.file.id, r.file.blobKey]));
  const items: Item[] = rows.map((r) => ({ key: r.file.id, label: r.labels[0]!, split: r.split }));
  const backbone = await loadBackbone(run.arch as ArchitectureId, {
    pretrainedDir: paths.pretrainedDir,
    cacheDir: paths.cacheDir,
    inputShape: [config.size, config.size, 3],
  });
  const { enabled, ...strengths } = config.augment;
  const data = createDataBunch(items, (key) => blobs.get(blobKeyOf.get(key)!), {
    size: config.size,
    resizeMode: config.resizeMode,
    bs: config.bs,
    seed: config.seed,
    augment: enabled ? strengths : false,
    normalize: backbone.spec.normalization,
  });
  const metrics = config.metrics.map((m) => (m === 'accuracy' ? accuracy : errorRate));
  if (!metrics.includes(errorRate)) metrics.unshift(errorRate);
  return {
    learner: cnnLearner(data, backbone, { metrics, seed: config.seed }),
    preprocessing: {
      size: data.size,
      resizeMode: data.resizeMode,
      normalize: data.normalize,
      arch: run.arch,
    },
  };
}
