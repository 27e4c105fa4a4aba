import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModelFromDir, loadLayersModelFromFiles } from '../models/layers-model-files';
import { UnsupportedLayerError } from '../onnx/index';
import {
  openOnnxForward,
  usesOnnxRuntime,
  type InferenceEngineOption,
  type OnnxForward,
} from '../onnx/onnx-forward';
import { CLASSES_JSON, MODEL_ONNX, PREPROCESSING_JSON, type ExportFiles } from './bundle-files';
import { checkClasses, checkModelMatches } from './check-model';
import { parsePreprocessing, type Preprocessing } from './preprocessing';

/** A model ready for `predict`. The caller owns it and frees it with `disposeExport`. */
export interface ExportedModel {
  model: tfl.LayersModel;
  classes: string[];
  preprocessing: Preprocessing;
  /** The same network on ONNX Runtime, which predict then uses; absent on the tfjs engine. */
  onnx?: OnnxForward;
}

/** Frees the model and its ONNX Runtime session. */
export function disposeExport(exported: ExportedModel): void {
  exported.model.dispose();
  void exported.onnx?.close();
}

export interface LoadExportOptions {
  /** What predict runs on: 'auto' (ONNX Runtime when it loads here), 'onnxruntime' or 'tfjs'. */
  engine?: InferenceEngineOption;
}

/**
 * fastai v1 load_learner: an exported bundle from a folder or from files in memory (an upload).
 * The small JSON files are checked before the weights are read, so a broken bundle fails fast
 * and says which file is wrong.
 */
export async function loadExport(
  source: string | ExportFiles,
  options: LoadExportOptions = {},
): Promise<ExportedModel> {
  const where = typeof source === 'string' ? source : 'the exported files';
  if (typeof source === 'string' && !(await isFolder(source))) {
    throw new Error(
      `${source} is not a folder; pass the folder writeExport wrote (model.json, ${CLASSES_JSON}, ${PREPROCESSING_JSON}, weights).`,
    );
  }
  const read = async (name: string): Promise<Uint8Array> => {
    if (typeof source !== 'string') {
      const bytes = source.get(name);
      if (bytes) return bytes;
    } else {
      try {
        return await readFile(join(source, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new Error(
      `${where} has no ${name}; an exported model needs model.json, its weight files, ${CLASSES_JSON} and ${PREPROCESSING_JSON}. Re-export it with exportModel.`,
    );
  };
  const preprocessing = parsePreprocessing(
    await read(PREPROCESSING_JSON),
    `${where}: ${PREPROCESSING_JSON}`,
  );
  const classes = parseClasses(await read(CLASSES_JSON), `${where}: ${CLASSES_JSON}`);
  const model =
    typeof source === 'string'
      ? await loadLayersModelFromDir(source)
      : await loadLayersModelFromFiles(source);
  try {
    checkModelMatches(model, classes, preprocessing, where);
    if (!(await usesOnnxRuntime(options.engine))) return { model, classes, preprocessing };
    const onnx = await openOnnxForward(await onnxBytes(model, read)).catch((error: unknown) => {
      // A layer the converter does not know: predict stays on tfjs unless ONNX was demanded.
      if (error instanceof UnsupportedLayerError && options.engine !== 'onnxruntime')
        return undefined;
      throw error;
    });
    return { model, classes, preprocessing, ...(onnx ? { onnx } : {}) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The export's model.onnx, or the tfjs model converted (an export from before model.onnx). */
async function onnxBytes(
  model: tfl.LayersModel,
  read: (name: string) => Promise<Uint8Array>,
): Promise<Uint8Array | tfl.LayersModel> {
  try {
    return await read(MODEL_ONNX);
  } catch {
    return model;
  }
}

async function isFolder(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function parseClasses(bytes: Uint8Array, where: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${where} is not valid JSON (${(error as Error).message}).`);
  }
  checkClasses(json, where);
  return json;
}
