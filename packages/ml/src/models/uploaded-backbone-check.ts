// Checks a user-supplied tfjs LayersModel folder (model.json + weight shards) from the JSON and
// the shards' sizes alone, so a server can refuse a broken upload without loading TensorFlow.js.
// The worker still loads the model for real (uploaded-backbone.ts) and repeats these checks.

import { fail, quote } from './backbone-files-error';
import { analyseModel, checkInputShape, chooseCutLayer, rootModel } from './backbone-topology';

export { BackboneFilesError, type BackboneFilesErrorCode } from './backbone-files-error';

export interface BackboneFilesCheck {
  /** Input without the batch axis, as model.json declares it (null sides accept any size). */
  inputShape: [number | null, number | null, number];
  /** The layer whose output is the body's feature map: the one asked for, or the last 4-D one. */
  cutLayer: string;
  /** Weight files model.json names, in manifest order; only these and model.json are needed. */
  weightFiles: string[];
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const SAFE_FILE_NAME = /^(?!\.\.?$)[^/\\\0]{1,255}$/;

/**
 * Validates model.json against the sizes of the other uploaded files: a LayersModel topology,
 * every weight file of the manifest present with exactly the bytes its weights need, one
 * 3-channel image input, and a cut layer with a 4-D output (fastai v1: the body ends before the
 * backbone's own pooling). Throws BackboneFilesError naming what is wrong.
 */
export function checkBackboneFiles(
  modelJson: Uint8Array | string,
  fileSizes: ReadonlyMap<string, number>,
  options: { cutLayer?: string } = {},
): BackboneFilesCheck {
  const json = parseModelJson(modelJson);
  const weightFiles = checkWeights(json.weightsManifest, fileSizes);
  const model = rootModel(json.modelTopology);
  const inputShape = checkInputShape(model);
  const layers = analyseModel(model, inputShape.length + 1, []).layers;
  return { inputShape, cutLayer: chooseCutLayer(layers, options.cutLayer), weightFiles };
}

function parseModelJson(modelJson: Uint8Array | string) {
  let json: { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown };
  try {
    const text = typeof modelJson === 'string' ? modelJson : new TextDecoder().decode(modelJson);
    json = JSON.parse(text) as typeof json;
  } catch (error) {
    return fail('NOT_LAYERS_MODEL', `model.json is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof json !== 'object' || json === null) {
    return fail('NOT_LAYERS_MODEL', 'model.json must hold a JSON object.');
  }
  if (json.format === 'graph-model') {
    fail(
      'NOT_LAYERS_MODEL',
      'model.json is a tfjs graph model, which cannot be fine-tuned. Convert the Keras model with tensorflowjs_converter --output_format=tfjs_layers_model.',
    );
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    fail(
      'NOT_LAYERS_MODEL',
      'model.json is not a tfjs LayersModel: it needs "modelTopology" and "weightsManifest" (the output of tensorflowjs_converter --output_format=tfjs_layers_model).',
    );
  }
  return json as { modelTopology: unknown; weightsManifest: unknown[] };
}

function checkWeights(manifest: unknown[], fileSizes: ReadonlyMap<string, number>): string[] {
  const groups = manifest.map((group, g) => {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (
      !Array.isArray(paths) ||
      !Array.isArray(weights) ||
      paths.some((p) => typeof p !== 'string')
    )
      fail('NOT_LAYERS_MODEL', `weightsManifest[${g}] needs "paths" and "weights" lists.`);
    return { paths: paths as string[], weights: weights as Record<string, unknown>[] };
  });
  const paths = groups.flatMap((g) => g.paths);
  const unsafe = paths.filter((p) => !SAFE_FILE_NAME.test(p));
  if (unsafe.length > 0) {
    fail(
      'UNSAFE_FILE_NAME',
      `model.json names weight files outside its folder: ${quote(unsafe)}. Every weight path must be a plain file name next to model.json.`,
    );
  }
  const missing = paths.filter((p) => !fileSizes.has(p));
  if (missing.length > 0) {
    const given = [...fileSizes.keys()].filter((n) => n !== 'model.json');
    fail(
      'MISSING_SHARD',
      `model.json names ${paths.length} weight file(s); missing: ${quote(missing)} (uploaded besides model.json: ${quote(given)}). Add every file of the model's folder.`,
    );
  }
  if (groups.every((g) => g.weights.length === 0)) {
    fail('NOT_LAYERS_MODEL', 'model.json lists no weights: a pretrained backbone needs them.');
  }
  groups.forEach((group) => {
    const needed = group.weights.reduce((sum, w) => sum + weightBytes(w), 0);
    const held = group.paths.reduce((sum, p) => sum + fileSizes.get(p)!, 0);
    if (held !== needed) {
      const first = group.weights[0];
      fail(
        'SHARD_SIZE',
        `Weight file(s) ${quote(group.paths)} hold ${held.toLocaleString('en')} bytes, but the ${group.weights.length} weights model.json assigns to them (first: "${String(first?.name)}") need ${needed.toLocaleString('en')} bytes. A file is ${held < needed ? 'truncated' : 'from another model'}; upload the folder again.`,
      );
    }
  });
  return paths;
}

function weightBytes(weight: Record<string, unknown>): number {
  const { name, shape, dtype, quantization } = weight;
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) {
    return fail('NOT_LAYERS_MODEL', `Weight "${String(name)}" has no valid shape in model.json.`);
  }
  const quantized = (quantization as { dtype?: string } | undefined)?.dtype;
  const bytes = quantized ? QUANTIZED_BYTES[quantized] : DTYPE_BYTES[String(dtype)];
  if (!bytes) {
    fail(
      'NOT_LAYERS_MODEL',
      `Weight "${String(name)}" has dtype "${String(quantized ?? dtype)}", which a backbone cannot use (expected float32, int32, bool or a uint8/uint16/float16 quantisation).`,
    );
  }
  return (shape as number[]).reduce((n, d) => n * d, bytes!);
}
