import { fail, quote } from './backbone-files-error';

// What a Keras topology (model.json's modelTopology) says about a backbone, read as JSON: its
// declared input, every layer's output rank, and where the body can end.

interface LayerJson {
  class_name?: unknown;
  name?: unknown;
  config?: unknown;
  inbound_nodes?: unknown;
}

interface LayerInfo {
  name: string;
  className: string;
  /** Rank of the output including the batch axis, or null when it cannot be told. */
  rank: number | null;
  /** Kinds of the models that hold the layer, outermost first. */
  containers: { name: string; isSequential: boolean }[];
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

/** The model config inside modelTopology (Keras writes it bare or under "model_config"). */
export function rootModel(topology: unknown): LayerJson {
  const node = (topology as { model_config?: unknown }).model_config ?? topology;
  if (!isModel(node as LayerJson)) {
    fail(
      'NOT_LAYERS_MODEL',
      `model.json's modelTopology is not a Keras Sequential or functional Model (class "${String((node as LayerJson)?.class_name)}").`,
    );
  }
  return node as LayerJson;
}

const isModel = (layer: LayerJson | undefined) =>
  typeof layer === 'object' && layer !== null && MODEL_CLASSES.has(String(layer.class_name));
const configOf = (layer: LayerJson) => (layer.config ?? {}) as Record<string, unknown>;
const nameOf = (layer: LayerJson) => String(configOf(layer).name ?? layer.name ?? '');
const layersOf = (model: LayerJson): LayerJson[] => {
  const config = model.config;
  const layers = Array.isArray(config) ? config : (config as { layers?: unknown })?.layers;
  return Array.isArray(layers) ? (layers as LayerJson[]) : [];
};
const declaredShape = (layer: LayerJson): (number | null)[] | undefined => {
  const config = configOf(layer);
  const shape = config.batch_input_shape ?? config.batch_shape;
  return Array.isArray(shape) ? (shape as (number | null)[]) : undefined;
};

function declaredInput(model: LayerJson): (number | null)[] | undefined {
  if (String(model.class_name) === 'Sequential') {
    const first = layersOf(model)[0];
    if (!first) return undefined;
    return declaredShape(first) ?? (isModel(first) ? declaredInput(first) : undefined);
  }
  const inputs = configOf(model).input_layers as unknown[][] | undefined;
  if (Array.isArray(inputs) && inputs.length !== 1) {
    fail(
      'BAD_INPUT',
      `The model takes ${inputs.length} inputs; a backbone takes one batch of images.`,
    );
  }
  const inputName = inputs?.[0]?.[0];
  const input = layersOf(model).find((l) => nameOf(l) === inputName);
  return input && declaredShape(input);
}

export function checkInputShape(model: LayerJson): [number | null, number | null, number] {
  const shape = declaredInput(model);
  if (!shape) {
    return fail(
      'BAD_INPUT',
      'model.json declares no input shape (no InputLayer with batch_input_shape). Export the model after it has been built on an input.',
    );
  }
  const [, h, w, c] = shape;
  if (shape.length !== 4 || c !== 3) {
    fail(
      'BAD_INPUT',
      `The model's input is [${shape.map((d) => d ?? 'null').join(', ')}]; a backbone takes RGB images, [batch, height, width, 3]. Export a model with a 3-channel image input (channels last).`,
    );
  }
  return [h ?? null, w ?? null, 3];
}

/** Output rank (batch axis included) of one layer given its input's rank. */
function outputRank(layer: LayerJson, inputRank: number | null): number | null {
  const config = configOf(layer);
  const className = String(layer.class_name);
  if (className === 'InputLayer') return declaredShape(layer)?.length ?? null;
  if (inputRank === null) return null;
  if (/^Global(Average|Max)Pooling[123]D$/.test(className))
    return config.keepdims === true ? inputRank : 2;
  if (className === 'Flatten') return 2;
  if (className === 'Reshape' && Array.isArray(config.target_shape))
    return config.target_shape.length + 1;
  if (className === 'RepeatVector') return 3;
  if (className === 'Embedding') return inputRank + 1;
  return inputRank;
}

/** Name of the first layer feeding a functional layer (Keras 2 inbound_nodes format). */
function inboundName(layer: LayerJson): string | undefined {
  const nodes = layer.inbound_nodes;
  const first = Array.isArray(nodes) ? (nodes[0] as unknown) : undefined;
  const tensor = Array.isArray(first) ? (first[0] as unknown) : undefined;
  return Array.isArray(tensor) && typeof tensor[0] === 'string' ? tensor[0] : undefined;
}

/** Every layer in execution order with its output rank, looking inside nested models. */
export function analyseModel(
  model: LayerJson,
  inputRank: number | null,
  containers: LayerInfo['containers'],
): { layers: LayerInfo[]; outputRank: number | null } {
  const inside = [
    ...containers,
    { name: nameOf(model), isSequential: String(model.class_name) === 'Sequential' },
  ];
  const layers: LayerInfo[] = [];
  const rankOf = new Map<string, number | null>();
  let rank = inputRank;
  for (const layer of layersOf(model)) {
    const name = nameOf(layer);
    if (!inside.at(-1)!.isSequential) {
      const from = inboundName(layer);
      rank = from === undefined ? rank : (rankOf.get(from) ?? null);
    }
    if (isModel(layer)) {
      const nested = analyseModel(layer, declaredShape(layer)?.length ?? rank, inside);
      layers.push(...nested.layers);
      rank = nested.outputRank;
    } else {
      rank = outputRank(layer, rank);
    }
    rankOf.set(name, rank);
    // Leaves only, like flattenLayers: a nested model is cut inside, at one of its layers.
    if (String(layer.class_name) !== 'InputLayer' && !isModel(layer))
      layers.push({ name, className: String(layer.class_name), rank, containers: inside });
  }
  const outputs = configOf(model).output_layers as unknown[][] | undefined;
  const outputName = outputs?.[0]?.[0];
  const outputRankValue = typeof outputName === 'string' ? (rankOf.get(outputName) ?? null) : rank;
  return { layers, outputRank: outputRankValue };
}

/**
 * A layer inside a nested model can end the body only when every model around that one is a
 * Sequential stack: then the body is "the stack's earlier layers, then the nested model up to
 * the layer" (how the Teachable Machine export nests its MobileNetV2).
 */
const isCuttable = (layer: LayerInfo) => layer.containers.slice(0, -1).every((c) => c.isSequential);

export function chooseCutLayer(layers: LayerInfo[], requested: string | undefined): string {
  const featureMaps = layers.filter((l) => l.rank === 4 && isCuttable(l));
  if (requested === undefined || requested === '') {
    const last = featureMaps.at(-1);
    if (!last) {
      fail(
        'NO_FEATURE_MAP',
        `No layer of the model outputs a 4-D feature map [batch, height, width, channels] (last layers: ${quote(layers.slice(-4).map((l) => `${l.name} (${l.className})`))}). A backbone must be convolutional; upload a CNN.`,
      );
    }
    return last!.name;
  }
  const matches = layers.filter((l) => l.name === requested);
  const suggestions = `Layers with a 4-D output near the end: ${quote(featureMaps.slice(-4).map((l) => l.name))}.`;
  if (matches.length === 0) {
    fail('UNKNOWN_LAYER', `The model has no layer named "${requested}". ${suggestions}`);
  }
  if (matches.length > 1) {
    fail(
      'BAD_CUT_LAYER',
      `${matches.length} layers are named "${requested}" (in ${quote(matches.map((m) => m.containers.at(-1)!.name))}); the cut layer must be unambiguous. ${suggestions}`,
    );
  }
  const layer = matches[0]!;
  if (layer.rank !== 4) {
    fail(
      'BAD_CUT_LAYER',
      `Layer "${requested}" (${layer.className}) outputs ${layer.rank === null ? 'a tensor of unknown rank' : `a ${layer.rank}-D tensor`}; the body must end in a feature map [batch, height, width, channels], before any pooling or flatten. ${suggestions}`,
    );
  }
  if (!isCuttable(layer)) {
    const outer = layer.containers.find((c) => !c.isSequential)!;
    fail(
      'BAD_CUT_LAYER',
      `Layer "${requested}" sits in the nested model "${layer.containers.at(-1)!.name}" inside the functional model "${outer.name}", which cannot be cut there. Choose a layer of "${outer.name}" itself. ${suggestions}`,
    );
  }
  return requested;
}
