import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

// Loads a tfjs LayersModel (model.json + the weight files its weightsManifest names) from a
// folder or from files already in memory (an upload), with an IO handler instead of tfjs's
// file:// loader, which needs tfjs-node.

/** File name (as written in model.json's manifest) → contents. Must include "model.json". */
export type ModelFiles = Map<string, Uint8Array> | Record<string, Uint8Array>;

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export interface LoadLayersModelOptions {
  /**
   * Image input without the batch axis, replacing the one model.json declares (a [224, 224, 3]
   * ImageNet body run at another size). Only image inputs (rank 4) are changed; the weights of a
   * convolutional body do not depend on the size.
   */
  inputShape?: [number | null, number | null, number];
}

export async function loadLayersModelFromFiles(
  files: ModelFiles,
  options: LoadLayersModelOptions = {},
): Promise<tfl.LayersModel> {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return loadWithReader(async (name) => {
    const bytes = map.get(name);
    if (!bytes)
      throw new Error(
        `The model's files lack "${name}" (given: ${[...map.keys()].join(', ') || 'none'}).`,
      );
    return bytes;
  }, options);
}

export async function loadLayersModelFromDir(
  dir: string,
  options: LoadLayersModelOptions = {},
): Promise<tfl.LayersModel> {
  return loadWithReader(async (name) => {
    // Manifest paths come from a file a user may have supplied: never let them leave the folder.
    if (name.includes('..') || name.startsWith('/') || name.includes('\\')) {
      throw new Error(
        `Refusing weight path "${name}" in ${dir}/model.json: it must name a file inside the model folder.`,
      );
    }
    try {
      return await readFile(join(dir, name));
    } catch (error) {
      throw new Error(`Cannot read "${name}" of the model in ${dir}: ${(error as Error).message}`);
    }
  }, options);
}

async function loadWithReader(
  read: (name: string) => Promise<Uint8Array>,
  options: LoadLayersModelOptions,
): Promise<tfl.LayersModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(await read('model.json'))) as ModelJson;
  } catch (error) {
    throw new Error(`model.json is not a tfjs LayersModel: ${(error as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(
      'model.json is not a tfjs LayersModel: it needs "modelTopology" and "weightsManifest" (a graph model or a Keras .h5 will not load).',
    );
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest)
    for (const path of group.paths) chunks.push(await read(path));
  const weightData = concat(chunks);
  if (options.inputShape) setImageInputShape(json.modelTopology, options.inputShape);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  return tfl.loadLayersModel({ load: async () => artifacts });
}

/** Sets every rank-4 InputLayer of the topology (nested models included) to [null, ...shape]. */
function setImageInputShape(
  topology: unknown,
  shape: [number | null, number | null, number],
): void {
  if (Array.isArray(topology)) {
    for (const item of topology) setImageInputShape(item, shape);
    return;
  }
  if (typeof topology !== 'object' || topology === null) return;
  const node = topology as { class_name?: unknown; config?: Record<string, unknown> };
  const declared = node.config?.batch_input_shape;
  if (node.class_name === 'InputLayer' && Array.isArray(declared) && declared.length === 4) {
    if (declared[3] !== shape[2]) {
      throw new Error(
        `The model takes ${declared[3]}-channel images; inputShape [${shape.join(', ')}] asks for ${shape[2]}.`,
      );
    }
    node.config!.batch_input_shape = [null, ...shape];
  }
  for (const value of Object.values(topology)) setImageInputShape(value, shape);
}

function concat(chunks: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}
