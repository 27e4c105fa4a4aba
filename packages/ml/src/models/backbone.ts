import * as tfl from '@tensorflow/tfjs-layers';
import { type ArchitectureId, type BodySpec, type InputNormalization } from './architectures';

/** A pretrained body ready for a new head, with how to split and feed it. */
export interface Backbone {
  /** Registry id, or "custom" for a user-supplied model. */
  id: ArchitectureId | 'custom';
  /** Ends with a feature map [batch, h, w, featureChannels]; the learner adds pooling and head. */
  body: tfl.LayersModel;
  spec: BodySpec;
}

/** Leaf layers in order, looking inside nested models (a Sequential holding a Model, etc.). */
export function flattenLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.flatMap((layer) =>
    layer instanceof tfl.LayersModel
      ? flattenLayers(layer)
      : layer.getClassName() === 'InputLayer'
        ? []
        : [layer],
  );
}

const startsGroup = (name: string, start: string) => name === start || name.startsWith(`${start}.`);

/**
 * The body's layer groups for discriminative learning rates and freezing: groupStarts.length + 1
 * groups, in order (the head the learner adds is one more).
 */
export function bodyLayerGroups(backbone: Backbone): tfl.layers.Layer[][] {
  const groups: tfl.layers.Layer[][] = [[]];
  const starts = [...backbone.spec.groupStarts];
  for (const layer of flattenLayers(backbone.body)) {
    if (starts.length > 0 && startsGroup(layer.name, starts[0]!)) {
      starts.shift();
      groups.push([]);
    }
    groups.at(-1)!.push(layer);
  }
  if (starts.length > 0) {
    throw new Error(
      `Layer group start "${starts[0]}" is not a layer of ${backbone.body.name} (or comes before the previous start).`,
    );
  }
  return groups;
}

export interface UserBackboneOptions {
  /** Name of a top-level layer to end the body at (e.g. the last one before pooling). Default: the whole model. */
  cutAfter?: string;
  /** How the model expects its input. Default: RGB scaled to [0, 1]. */
  normalization?: InputNormalization;
  /** First layer of each body group after the first. Default: two groups with equally many weighted layers. */
  groupStarts?: string[];
}

/** Wraps a user-supplied LayersModel (see layers-model-files.ts) as a backbone. */
export function userBackbone(model: tfl.LayersModel, options: UserBackboneOptions = {}): Backbone {
  let body = model;
  if (options.cutAfter) {
    const names = model.layers.map((l) => l.name);
    if (!names.includes(options.cutAfter)) {
      throw new Error(
        `Cannot cut at "${options.cutAfter}": ${model.name} has no such top-level layer (last layers: ${names.slice(-5).join(', ')}).`,
      );
    }
    body = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer(options.cutAfter).output as tfl.SymbolicTensor,
      name: `${model.name}_body`,
    });
  }
  const outputShape = body.outputs[0]!.shape;
  const inputShape = body.inputs[0]!.shape;
  return {
    id: 'custom',
    body,
    spec: {
      cutDescription: options.cutAfter ? `after ${options.cutAfter}` : 'the whole model',
      groupStarts: options.groupStarts ?? defaultGroupStarts(body),
      groupsDescription: options.groupStarts
        ? 'as given'
        : 'first half | second half of the weighted layers | head',
      normalization: options.normalization ?? { kind: 'scale', min: 0, max: 1 },
      inputDescription: options.normalization ? 'as given' : 'RGB scaled to [0, 1] (assumed)',
      defaultSize: inputShape[1] ?? 224,
      featureChannels: outputShape[outputShape.length - 1] ?? 0,
    },
  };
}

function defaultGroupStarts(body: tfl.LayersModel): string[] {
  const weighted = flattenLayers(body).filter((l) => l.weights.length > 0);
  const middle = weighted[Math.floor(weighted.length / 2)];
  return weighted.length >= 2 && middle ? [middle.name] : [];
}
