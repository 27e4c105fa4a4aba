// A tfjs LayersModel in inference mode as an ONNX graph: BatchNorm on its running statistics,
// dropout as identity. tfjs is NHWC and ONNX's convolutions are NCHW, so the image is
// transposed once on the way in, every 4-D tensor inside is NCHW, and a 4-D output is transposed
// back; weights are written in ONNX's layouts (OIHW kernels). Nested models are inlined.
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { OnnxGraph, type Attribute } from './onnx-graph';

/** A tensor of the graph: its name and rank; a 4-D one is NCHW. */
export interface Value {
  name: string;
  rank: number;
  /** A zero padding not emitted yet, so the convolution after it can take it as its own pads. */
  pendingPad?: { input: string; pads: number[] };
  /**
   * A convolution not emitted yet, so a BatchNorm after it can fold into its weights in float64
   * (closer to tfjs's unfused result than ONNX Runtime's own float32 fusion).
   */
  pendingConv?: PendingConv;
}

export interface PendingConv {
  input: string;
  /** OIHW weights and their dims. */
  weight: Float32Array;
  dims: number[];
  bias: Float32Array | null;
  attributes: Record<string, Attribute>;
}

type Config = Record<string, unknown>;

/** What a layer converter receives. */
export interface LayerCall {
  graph: OnnxGraph;
  layer: tfl.layers.Layer;
  config: Config;
  inputs: Value[];
  /** The layer's tfjs output shape, batch first. */
  outputShape: readonly (number | null)[];
}

export type LayerConverter = (call: LayerCall) => Value;

/** The weights of a layer by their short name ("kernel", "moving_mean", ...). */
export function layerWeights(layer: tfl.layers.Layer): Map<string, tf.Tensor> {
  return new Map(layer.weights.map((w) => [w.originalName.split('/').at(-1)!, w.read()]));
}

/** An NHWC axis of a tfjs tensor as the axis of the same data in the graph. */
export function graphAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return rank === 4 ? [0, 2, 3, 1][a]! : a;
}

/** The value as a real tensor name, emitting a pending convolution or zero padding. */
export function materialize(graph: OnnxGraph, value: Value): string {
  const conv = value.pendingConv;
  if (conv != null) {
    const w = graph.constant(`${value.name}.weight`, conv.dims, conv.weight);
    const b = conv.bias ? [graph.constant(`${value.name}.bias`, [conv.dims[0]!], conv.bias)] : [];
    value.pendingConv = undefined;
    value.name = graph.node('Conv', [conv.input, w, ...b], value.name, conv.attributes);
    return value.name;
  }
  const pad = value.pendingPad;
  if (pad == null) return value.name;
  const pads = graph.constant(`${value.name}.pads`, [8], BigInt64Array.from(pad.pads, BigInt));
  const name = graph.node('Pad', [pad.input, pads], value.name);
  value.pendingPad = undefined;
  value.name = name;
  return name;
}

export class UnsupportedLayerError extends Error {}

/**
 * Serialises `model` (one NHWC image input) with the given converter per layer class as an
 * ONNX ModelProto: input "input" [batch, h, w, c], output "output" in the model's own layout.
 * Throws UnsupportedLayerError naming a layer that no converter takes.
 */
export function layersModelToOnnx(
  model: tfl.LayersModel,
  converters: Record<string, LayerConverter>,
): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedLayerError(
      `ONNX conversion takes a model with one input and one output; ${model.name} has ${model.inputs.length} and ${model.outputs.length}.`,
    );
  }
  const graph = new OnnxGraph();
  const inputShape = model.inputs[0]!.shape;
  if (inputShape.length !== 4)
    throw new UnsupportedLayerError(
      `ONNX conversion takes images [batch, h, w, c]; ${model.name} takes [${inputShape.join(', ')}].`,
    );
  const nchw = graph.node('Transpose', [graph.uniqueName('input')], 'input.nchw', {
    perm: { ints: [0, 3, 1, 2] },
  });
  const [out] = convertModel(graph, model, [{ name: nchw, rank: 4 }], converters);
  let output = materialize(graph, out!);
  if (out!.rank === 4)
    output = graph.node('Transpose', [output], 'output.nhwc', { perm: { ints: [0, 2, 3, 1] } });
  const final = graph.node('Identity', [output], 'output');
  // tfjs runs a convolutional network on any image size whatever its declared input, and so
  // does the graph: only the channel counts are fixed.
  const dims = (shape: readonly (number | null)[], prefix: string) =>
    shape.map((d, i) => (i === shape.length - 1 && d != null ? d : `${prefix}${i}`));
  return graph.toModel(
    model.name,
    [{ name: 'input', dims: dims(inputShape, 'input_') }],
    [{ name: final, dims: dims(model.outputs[0]!.shape, 'output_') }],
  );
}

/** Emits `model`'s layers on `inputs` (values for model.inputs) and returns its outputs. */
function convertModel(
  graph: OnnxGraph,
  model: tfl.LayersModel,
  inputs: Value[],
  converters: Record<string, LayerConverter>,
): Value[] {
  const values = new Map<number, Value>();
  model.inputs.forEach((t, i) => values.set(t.id, inputs[i]!));
  const nestedCalls = new Map<string, Value[]>();
  const visit = (t: tfl.SymbolicTensor): Value => {
    const known = values.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const args = t.inputs.map(visit);
    let value: Value;
    if (layer instanceof tfl.LayersModel) {
      const key = `${layer.name}:${t.inputs.map((i) => i.id).join(',')}`;
      let outs = nestedCalls.get(key);
      if (outs == null) {
        outs = convertModel(graph, layer, args, converters);
        nestedCalls.set(key, outs);
      }
      value = outs[t.outputTensorIndex ?? 0]!;
    } else {
      const className = layer.getClassName();
      const convert = converters[className];
      if (convert == null) {
        throw new UnsupportedLayerError(
          `Layer "${layer.name}" (${className}) has no ONNX conversion; supported: ${Object.keys(converters).sort().join(', ')}.`,
        );
      }
      const config = layer.getConfig() as Config;
      if (config.dataFormat != null && config.dataFormat !== 'channelsLast') {
        throw new UnsupportedLayerError(
          `Layer "${layer.name}" (${className}) is ${String(config.dataFormat)}; ONNX conversion takes channelsLast layers.`,
        );
      }
      value = convert({ graph, layer, config, inputs: args, outputShape: t.shape });
    }
    values.set(t.id, value);
    return value;
  };
  return model.outputs.map(visit);
}
