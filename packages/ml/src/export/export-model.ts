import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  CLASSES_JSON,
  MODEL_JSON,
  MODEL_ONNX,
  PREPROCESSING_JSON,
  SHARD_BYTES,
  type ExportFiles,
} from './bundle-files';
import { checkClasses, checkModelMatches } from './check-model';
import { toOnnx, UnsupportedLayerError } from '../onnx/index';
import { PREPROCESSING_FORMAT, validatePreprocessing, type Preprocessing } from './preprocessing';

export interface ExportOptions {
  /** Class names in output order (the DataBunch's `classes`). */
  classes: readonly string[];
  /**
   * How validation fed the model. `inputShape` defaults to [size, size, 3], `createdAt` to now,
   * `arch` to 'custom'.
   */
  preprocessing: Pick<Preprocessing, 'size' | 'resizeMode' | 'normalize'> &
    Partial<Pick<Preprocessing, 'inputShape' | 'arch' | 'createdAt' | 'weights'>>;
}

/**
 * fastai v1 Learner.export: the whole network (body and head in one LayersModel) as a tfjs
 * model.json with weight shards and as model.onnx, plus classes.json and preprocessing.json,
 * in memory. Write it
 * with `writeExport`, or store/upload the map as it is. Optimiser state is not included.
 */
export async function exportModel(
  model: tfl.LayersModel,
  options: ExportOptions,
): Promise<ExportFiles> {
  const preprocessing = validatePreprocessing(
    {
      inputShape: [options.preprocessing.size, options.preprocessing.size, 3],
      arch: 'custom',
      createdAt: new Date().toISOString(),
      ...options.preprocessing,
      format: PREPROCESSING_FORMAT,
    },
    'exportModel preprocessing',
  );
  checkClasses(options.classes);
  checkModelMatches(model, options.classes, preprocessing, 'exportModel');
  const artifacts = await captureArtifacts(model);
  const files: ExportFiles = new Map();
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const shardCount = Math.max(1, Math.ceil(weights.byteLength / SHARD_BYTES));
  const paths = Array.from(
    { length: shardCount },
    (_, i) => `group1-shard${i + 1}of${shardCount}.bin`,
  );
  const modelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    // Relative paths: the bundle is a folder (or a map) that can move anywhere as a whole.
    weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
  };
  files.set(MODEL_JSON, encodeJson(modelJson));
  paths.forEach((name, i) =>
    files.set(name, weights.slice(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)),
  );
  files.set(CLASSES_JSON, encodeJson([...options.classes]));
  files.set(PREPROCESSING_JSON, encodeJson(preprocessing));
  const onnx = onnxOf(model);
  if (onnx != null) files.set(MODEL_ONNX, onnx);
  return files;
}

/**
 * The ONNX copy, or none for an uploaded backbone with a layer the converter does not know: the
 * tfjs model is the export, the ONNX file a convenience beside it.
 */
function onnxOf(model: tfl.LayersModel): Uint8Array | null {
  try {
    return toOnnx(model);
  } catch (error) {
    if (error instanceof UnsupportedLayerError) return null;
    throw error;
  }
}

/** Runs `model.save` into memory: a save-only IOHandler that keeps what tfjs hands it. */
async function captureArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save({
    save: async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  if (captured?.modelTopology == null || captured.weightData == null) {
    throw new Error(
      'exportModel: model.save produced no topology or weights; is it a LayersModel?',
    );
  }
  return captured;
}

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
