import type { Db, PostgresBlobStore } from '@studio/db';
import {
  accuracy,
  cnnLearner,
  defaultBodyBnStatistics,
  errorRate,
  loadBackbone,
  loadUploadedBackbone,
  usesPrecompute,
  type ArchitectureId,
  type Backbone,
  type ExportOptions,
  type Learner,
} from '@studio/ml';
import {
  backboneFiles,
  backboneNormalization,
  runConfig,
  uploadedBackboneIdOf,
  type RunConfig,
} from '@studio/shared';
import { loadVersionItems, versionDataBunch } from './version-data';

export interface LearnerPaths {
  pretrainedDir: string;
  cacheDir: string;
}

export interface RunLearner {
  learner: Learner;
  /** How validation feeds the model, which an export must repeat. */
  preprocessing: ExportOptions['preprocessing'];
  /** The run's settings, with the defaults of settings added after the run was created. */
  config: RunConfig;
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
  /** The training backend, which decides whether frozen stages use the feature cache. */
  backendName = 'wasm',
): Promise<RunLearner> {
  const run = await db.run.findUniqueOrThrow({ where: { id: runId } });
  const config = runConfig.parse(run.config);
  const inputShape: [number, number, number] = [config.size, config.size, 3];
  const uploadedId = uploadedBackboneIdOf(run.arch);
  const backbone = uploadedId
    ? await loadStoredBackbone(db, blobs, uploadedId, inputShape)
    : await loadBackbone(run.arch as ArchitectureId, {
        pretrainedDir: paths.pretrainedDir,
        cacheDir: paths.cacheDir,
        inputShape,
      });
  const data = versionDataBunch(await loadVersionItems(db, blobs, run.versionId), config, {
    normalize: backbone.spec.normalization,
    cacheDir: paths.cacheDir,
  });
  const metrics = config.metrics.map((m) => (m === 'accuracy' ? accuracy : errorRate));
  if (!metrics.includes(errorRate)) metrics.unshift(errorRate);
  return {
    learner: cnnLearner(data, backbone, {
      metrics,
      seed: config.seed,
      bodyBnStatistics: defaultBodyBnStatistics(
        backbone.spec.defaultSize,
        config.size,
        usesPrecompute(config.precompute, backendName),
      ),
    }),
    preprocessing: {
      size: data.size,
      resizeMode: data.resizeMode,
      normalize: data.normalize,
      arch: run.arch,
    },
    config,
  };
}

/** An uploaded backbone: its row says how to cut and feed it, its files are blobs. */
async function loadStoredBackbone(
  db: Db,
  blobs: PostgresBlobStore,
  id: string,
  inputShape: [number, number, number],
): Promise<Backbone> {
  const row = await db.uploadedBackbone.findUnique({ where: { id } });
  if (!row) {
    throw new Error(
      `The run's uploaded backbone ${id} no longer exists. Upload it again and create a new run with it.`,
    );
  }
  const files = backboneFiles.parse(row.files);
  const contents = await Promise.all(
    files.map(async (f) => [f.name, new Uint8Array(await blobs.get(f.blobKey))] as const),
  );
  return loadUploadedBackbone(new Map(contents), {
    displayName: row.name,
    cutLayer: row.cutLayer,
    normalization: backboneNormalization.parse(row.normalization),
    inputShape,
  });
}
