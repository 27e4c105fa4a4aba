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

export async function loadLayersModelFromFiles(files: ModelFiles): Promise<tfl.LayersModel> {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return loadWithReader(async (name) => {
    const bytes = map.get(name);
    if (!bytes)
      throw new Error(
        `The model's files lack "${name}" (given: ${[...map.keys()].join(', ') || 'none'}).`,
      );
    return bytes;
  });
}

export async function loadLayersModelFromDir(dir: string): Promise<tfl.LayersModel> {
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
  });
}

async function loadWithReader(
  read: (name: string) => Promise<Uint8Array>,
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

function concat(chunks: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out.buffer;
}
