import * as tfl from '@tensorflow/tfjs-layers';
import type { BodySpec } from './architectures';
import { flattenLayers, userBackbone, type Backbone } from './backbone';
import { loadLayersModelFromFiles, type ModelFiles } from './layers-model-files';
import { BackboneFilesError, checkBackboneFiles } from './uploaded-backbone-check';

/** Per-channel mean and std on pixels in [0, 1], as a person states them for their model. */
export interface ChannelStats {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export interface UploadedBackboneSpec extends BodySpec {
  family: 'uploaded';
  displayName: string;
}

export interface UploadedBackboneOptions {
  /** Shown in the UI and errors. */
  displayName: string;
  /** The layer whose output is the body's feature map (see checkBackboneFiles). */
  cutLayer: string;
  normalization: ChannelStats;
  /** Input without the batch axis; replaces model.json's (a 224 px model trained at 128 px). */
  inputShape?: [number | null, number | null, number];
}

/**
 * The body of a user's tfjs LayersModel: model.json and its shards from memory, cut after
 * `cutLayer` (fastai v1: the body ends before the backbone's own pooling), split into two
 * groups at the middle weighted layer like the other non-ResNet backbones.
 */
export async function loadUploadedBackbone(
  files: ModelFiles,
  options: UploadedBackboneOptions,
): Promise<Backbone & { spec: UploadedBackboneSpec }> {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const modelJson = map.get('model.json');
  if (!modelJson) {
    throw new BackboneFilesError(
      'NOT_LAYERS_MODEL',
      `${options.displayName} has no model.json (files: ${[...map.keys()].join(', ') || 'none'}).`,
    );
  }
  const sizes = new Map([...map].map(([name, bytes]) => [name, bytes.byteLength]));
  checkBackboneFiles(modelJson, sizes, { cutLayer: options.cutLayer });
  const model = await loadLayersModelFromFiles(map, { inputShape: options.inputShape });
  let body: tfl.LayersModel;
  try {
    const path = pathTo(model, options.cutLayer);
    if (!path) {
      throw new BackboneFilesError(
        'UNKNOWN_LAYER',
        `${options.displayName} has no layer named "${options.cutLayer}" once loaded.`,
      );
    }
    body = cutAfter(model, path);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const kept = new Set(flattenLayers(body));
  for (const layer of flattenLayers(model)) if (!kept.has(layer)) layer.dispose();

  const { mean, std } = options.normalization;
  const backbone = userBackbone(body, { normalization: { kind: 'stats', mean, std } });
  const [middle] = backbone.spec.groupStarts;
  const spec: UploadedBackboneSpec = {
    ...backbone.spec,
    family: 'uploaded',
    displayName: options.displayName,
    cutDescription: `after ${options.cutLayer}`,
    groupsDescription: middle
      ? `first layer … before ${middle} | ${middle} … ${options.cutLayer} | head`
      : `the whole body | head`,
    inputDescription: `RGB in [0, 1], then mean [${mean.join(', ')}] and std [${std.join(', ')}]`,
  };
  return { ...backbone, spec };
}

/** Names from the outer model down to the layer, or undefined when no layer has that name. */
function pathTo(model: tfl.LayersModel, name: string): string[] | undefined {
  for (const layer of model.layers) {
    if (layer.name === name) return [name];
    if (layer instanceof tfl.LayersModel) {
      const inner = pathTo(layer, name);
      if (inner) return [layer.name, ...inner];
    }
  }
  return undefined;
}

/** The model from its input to the output of the layer at `path`, sharing its weights. */
function cutAfter(model: tfl.LayersModel, path: string[]): tfl.LayersModel {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    return tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer(head).output as tfl.SymbolicTensor,
      name: `${model.name}_body`,
    });
  }
  // checkBackboneFiles allows a nested cut only inside Sequential stacks: earlier layers of the
  // stack run first, then the nested model up to the cut.
  const nested = model.getLayer(head) as tfl.LayersModel;
  const inner = cutAfter(nested, rest);
  const earlier = model.layers
    .slice(0, model.layers.indexOf(nested))
    .filter((l) => l.getClassName() !== 'InputLayer');
  if (earlier.length === 0) return inner;
  const input = tfl.input({ shape: model.inputs[0]!.shape.slice(1) });
  let x: tfl.SymbolicTensor = input;
  for (const layer of [...earlier, inner]) x = layer.apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: `${model.name}_body` });
}
