// One converter per tfjs layer class the studio's architectures and uploaded backbones use.
import * as tf from '@tensorflow/tfjs-core';
import {
  graphAxis,
  layerWeights,
  materialize,
  UnsupportedLayerError,
  type LayerCall,
  type LayerConverter,
  type PendingConv,
  type Value,
} from './layers-to-onnx';
import type { Attribute, OnnxGraph } from './onnx-graph';

const pairOf = (v: unknown): [number, number] =>
  Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)];

const floats = (t: tf.Tensor) => t.dataSync() as Float32Array;

function unsupported(call: LayerCall, why: string): never {
  throw new UnsupportedLayerError(
    `Layer "${call.layer.name}" (${call.layer.getClassName()}) cannot be converted to ONNX: ${why}.`,
  );
}

const single = (call: LayerCall): Value => {
  if (call.inputs.length !== 1) unsupported(call, `it takes ${call.inputs.length} inputs`);
  return call.inputs[0]!;
};

/** A scalar float constant. */
const scalar = (graph: OnnxGraph, base: string, value: number) =>
  graph.constant(base, [], Float32Array.of(value));

/** tfjs activation functions by their serialised name. */
function activate(
  graph: OnnxGraph,
  name: string,
  x: string,
  kind: string,
  call: LayerCall,
): string {
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return graph.node('Relu', [x], name);
    case 'relu6':
      return graph.node(
        'Clip',
        [x, scalar(graph, `${name}.min`, 0), scalar(graph, `${name}.max`, 6)],
        name,
      );
    case 'sigmoid':
      return graph.node('Sigmoid', [x], name);
    case 'tanh':
      return graph.node('Tanh', [x], name);
    case 'elu':
      return graph.node('Elu', [x], name);
    case 'selu':
      return graph.node('Selu', [x], name);
    case 'softplus':
      return graph.node('Softplus', [x], name);
    case 'softsign':
      return graph.node('Softsign', [x], name);
    case 'hardSigmoid':
      return graph.node('HardSigmoid', [x], name, { alpha: { f: 0.2 }, beta: { f: 0.5 } });
    case 'swish':
      return graph.node('Mul', [x, graph.node('Sigmoid', [x], `${name}.sigmoid`)], name);
    case 'softmax':
      // tfjs's softmax activation works on the last axis, which is the channel axis.
      return graph.node('Softmax', [x], name, { axis: { i: call.inputs[0]!.rank === 4 ? 1 : -1 } });
    default:
      return unsupported(call, `activation "${kind}" has no ONNX form here`);
  }
}

const withActivation = (call: LayerCall, x: string): string =>
  activate(call.graph, call.layer.name, x, String(call.config.activation ?? 'linear'), call);

/** Explicit pads for 'valid' (plus an absorbed zero padding), or SAME_UPPER for 'same' (TF's). */
function padding(call: LayerCall, input: Value): { x: string; attrs: Record<string, Attribute> } {
  const mode = String(call.config.padding ?? 'valid');
  if (mode === 'causal') unsupported(call, 'causal padding');
  if (input.pendingPad && mode === 'valid') {
    // ONNX Pad pads are [n, c, h, w] begins then ends; Conv takes [h, w] begins then ends.
    const p = input.pendingPad.pads;
    return { x: input.pendingPad.input, attrs: { pads: { ints: [p[2]!, p[3]!, p[6]!, p[7]!] } } };
  }
  const x = materialize(call.graph, input);
  return mode === 'same'
    ? { x, attrs: { auto_pad: { s: 'SAME_UPPER' } } }
    : { x, attrs: { pads: { ints: [0, 0, 0, 0] } } };
}

/** A tfjs conv kernel [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
const oihw = (kernel: tf.Tensor) => tf.tidy(() => tf.transpose(kernel, [3, 2, 0, 1]));

function conv(call: LayerCall, weight: tf.Tensor, group: number, bias: tf.Tensor | undefined) {
  const { graph, layer, config } = call;
  const input = single(call);
  if (input.rank !== 4) unsupported(call, `its input has rank ${input.rank}`);
  const { x, attrs } = padding(call, input);
  const [kh, kw] = weight.shape.slice(2) as [number, number];
  const value: Value = {
    name: layer.name,
    rank: 4,
    pendingConv: {
      input: x,
      weight: floats(weight).slice(),
      dims: weight.shape,
      bias: bias ? floats(bias).slice() : null,
      attributes: {
        ...attrs,
        kernel_shape: { ints: [kh, kw] },
        strides: { ints: pairOf(config.strides ?? 1) },
        dilations: { ints: pairOf(config.dilationRate ?? 1) },
        group: { i: group },
      },
    },
  };
  if (String(config.activation ?? 'linear') === 'linear') return value;
  return { name: withActivation(call, materialize(graph, value)), rank: 4 };
}

/**
 * Inference BatchNorm folded into the convolution before it, in float64: w·g/√(v+ε) and
 * (b − mean)·g/√(v+ε) + beta per output channel, rounded once.
 */
function foldBatchNorm(
  conv: PendingConv,
  stats: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array },
  epsilon: number,
): PendingConv {
  const out = conv.dims[0]!;
  const perOut = conv.weight.length / out;
  const weight = new Float32Array(conv.weight.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const scale = stats.gamma[o]! / Math.sqrt(stats.variance[o]! + epsilon);
    for (let k = o * perOut; k < (o + 1) * perOut; k++) weight[k] = conv.weight[k]! * scale;
    bias[o] = ((conv.bias?.[o] ?? 0) - stats.mean[o]!) * scale + stats.beta[o]!;
  }
  return { ...conv, weight, bias };
}

const conv2d: LayerConverter = (call) => {
  const w = layerWeights(call.layer);
  const kernel = oihw(w.get('kernel')!);
  try {
    return conv(call, kernel, 1, w.get('bias'));
  } finally {
    kernel.dispose();
  }
};

/** A depthwise kernel [kh, kw, c, m] as ONNX's grouped [c·m, 1, kh, kw]: TF's output channel c·m + m' is group c's m'-th filter. */
function depthwiseKernel(k: tf.Tensor): tf.Tensor {
  const [kh, kw, c, m] = k.shape as [number, number, number, number];
  return tf.tidy(() => tf.reshape(tf.transpose(k, [2, 3, 0, 1]), [c * m, 1, kh, kw]));
}

const depthwiseConv2d: LayerConverter = (call) => {
  const w = layerWeights(call.layer);
  const k = w.get('depthwise_kernel')!;
  const c = k.shape[2]!;
  const kernel = depthwiseKernel(k);
  try {
    return conv(call, kernel, c, w.get('bias'));
  } finally {
    kernel.dispose();
  }
};

const separableConv2d: LayerConverter = (call) => {
  const { graph, layer } = call;
  const w = layerWeights(layer);
  const k = w.get('depthwise_kernel')!;
  const c = k.shape[2]!;
  const depthwise = depthwiseKernel(k);
  const pointwise = oihw(w.get('pointwise_kernel')!);
  try {
    const inner = materialize(
      graph,
      conv({ ...call, config: { ...call.config, activation: 'linear' } }, depthwise, c, undefined),
    );
    const p = graph.constant(`${layer.name}.pointwise`, pointwise.shape, floats(pointwise));
    const bias = w.get('bias');
    const b = bias ? [graph.constant(`${layer.name}.bias`, bias.shape, floats(bias))] : [];
    const y = graph.node('Conv', [inner, p, ...b], `${layer.name}.pw`, {
      kernel_shape: { ints: [1, 1] },
    });
    return { name: withActivation(call, y), rank: 4 };
  } finally {
    depthwise.dispose();
    pointwise.dispose();
  }
};

const batchNormalization: LayerConverter = (call) => {
  const { graph, layer, config } = call;
  const input = single(call);
  const axis = Number(config.axis ?? -1);
  if (input.rank !== 2 && input.rank !== 4) unsupported(call, `its input has rank ${input.rank}`);
  if (axis !== -1 && axis !== input.rank - 1)
    unsupported(call, `it normalises axis ${axis}, not the channels`);
  const w = layerWeights(layer);
  const c = w.get('moving_mean')!.shape[0]!;
  const param = (key: string, fallback: number) => {
    const t = w.get(key);
    return t ? floats(t) : new Float32Array(c).fill(fallback);
  };
  const stats = {
    gamma: param('gamma', 1),
    beta: param('beta', 0),
    mean: param('moving_mean', 0),
    variance: param('moving_variance', 1),
  };
  const epsilon = Number(config.epsilon ?? 1e-3);
  if (input.pendingConv != null) {
    // The convolution's own value stays as it was for any other layer that reads it.
    return {
      name: layer.name,
      rank: 4,
      pendingConv: foldBatchNorm(input.pendingConv, stats, epsilon),
    };
  }
  const constant = (key: keyof typeof stats) =>
    graph.constant(`${layer.name}.${key}`, [c], stats[key]);
  const y = graph.node(
    'BatchNormalization',
    [
      materialize(graph, input),
      constant('gamma'),
      constant('beta'),
      constant('mean'),
      constant('variance'),
    ],
    layer.name,
    { epsilon: { f: epsilon } },
  );
  return { name: y, rank: input.rank };
};

const dense: LayerConverter = (call) => {
  const { graph, layer } = call;
  const input = single(call);
  if (input.rank !== 2)
    unsupported(call, `its input has rank ${input.rank}; flatten or pool first`);
  const w = layerWeights(layer);
  const kernel = w.get('kernel')!;
  const bias = w.get('bias');
  const inputs = [
    materialize(graph, input),
    graph.constant(`${layer.name}.weight`, kernel.shape, floats(kernel)),
    ...(bias ? [graph.constant(`${layer.name}.bias`, bias.shape, floats(bias))] : []),
  ];
  return { name: withActivation(call, graph.node('Gemm', inputs, layer.name)), rank: 2 };
};

const unary =
  (op: (call: LayerCall, x: string) => string): LayerConverter =>
  (call) => {
    const input = single(call);
    return { name: op(call, materialize(call.graph, input)), rank: input.rank };
  };

const relu = unary((call, x) => {
  const { graph, layer, config } = call;
  if (Number(config.threshold ?? 0) !== 0 || Number(config.negativeSlope ?? 0) !== 0)
    unsupported(call, 'a ReLU with a threshold or negative slope');
  const max = config.maxValue;
  return max == null
    ? graph.node('Relu', [x], layer.name)
    : graph.node(
        'Clip',
        [x, scalar(graph, `${layer.name}.min`, 0), scalar(graph, `${layer.name}.max`, Number(max))],
        layer.name,
      );
});

const leakyRelu = unary((call, x) =>
  call.graph.node('LeakyRelu', [x], call.layer.name, {
    alpha: { f: Number(call.config.alpha ?? 0.3) },
  }),
);

const elu = unary((call, x) =>
  call.graph.node('Elu', [x], call.layer.name, { alpha: { f: Number(call.config.alpha ?? 1) } }),
);

const activation = unary((call, x) => withActivation(call, x));

const softmax = unary((call, x) => {
  const axis = call.config.axis;
  const a = Array.isArray(axis) ? (axis.length === 1 ? Number(axis[0]) : NaN) : Number(axis ?? -1);
  if (Number.isNaN(a)) unsupported(call, 'softmax over several axes');
  return call.graph.node('Softmax', [x], call.layer.name, {
    axis: { i: graphAxis(a, call.inputs[0]!.rank) },
  });
});

const identity: LayerConverter = (call) => single(call);

const zeroPadding2d: LayerConverter = (call) => {
  const input = single(call);
  const p = call.config.padding as [[number, number], [number, number]];
  const [[top, bottom], [left, right]] = [pairOf(p[0]), pairOf(p[1])];
  return {
    name: call.layer.name,
    rank: 4,
    pendingPad: {
      input: materialize(call.graph, input),
      pads: [0, 0, top, left, 0, 0, bottom, right],
    },
  };
};

const pool =
  (op: 'MaxPool' | 'AveragePool'): LayerConverter =>
  (call) => {
    const { graph, layer, config } = call;
    const input = single(call);
    const x = materialize(graph, input);
    const kernel = pairOf(config.poolSize);
    const same = config.padding === 'same';
    const y = graph.node(op, [x], layer.name, {
      kernel_shape: { ints: kernel },
      strides: { ints: pairOf(config.strides ?? kernel) },
      ...(same ? { auto_pad: { s: 'SAME_UPPER' } } : { pads: { ints: [0, 0, 0, 0] } }),
    });
    return { name: y, rank: 4 };
  };

const globalPool =
  (op: 'GlobalMaxPool' | 'GlobalAveragePool'): LayerConverter =>
  (call) => {
    const { graph, layer } = call;
    const x = materialize(graph, single(call));
    const pooled = graph.node(op, [x], `${layer.name}.nc11`);
    if (call.outputShape.length === 4) {
      // keepDims: [n, c, 1, 1] is NCHW already.
      return { name: pooled, rank: 4 };
    }
    return { name: graph.node('Flatten', [pooled], layer.name, { axis: { i: 1 } }), rank: 2 };
  };

const flatten: LayerConverter = (call) => {
  const { graph, layer } = call;
  const input = single(call);
  let x = materialize(graph, input);
  // tfjs flattens in NHWC order.
  if (input.rank === 4)
    x = graph.node('Transpose', [x], `${layer.name}.nhwc`, { perm: { ints: [0, 2, 3, 1] } });
  return { name: graph.node('Flatten', [x], layer.name, { axis: { i: 1 } }), rank: 2 };
};

const variadic =
  (op: 'Sum' | 'Mul' | 'Max' | 'Min' | 'Mean'): LayerConverter =>
  (call) => {
    const { graph, layer, inputs } = call;
    const names = inputs.map((v) => materialize(graph, v));
    const name =
      names.length === 2 && op === 'Sum'
        ? graph.node('Add', names, layer.name)
        : graph.node(op, names, layer.name);
    return { name, rank: Math.max(...inputs.map((v) => v.rank)) };
  };

const concatenate: LayerConverter = (call) => {
  const { graph, layer, inputs } = call;
  const rank = inputs[0]!.rank;
  const axis = graphAxis(Number(call.config.axis ?? -1), rank);
  const names = inputs.map((v) => materialize(graph, v));
  return { name: graph.node('Concat', names, layer.name, { axis: { i: axis } }), rank };
};

export const LAYER_CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  BatchNormalization: batchNormalization,
  Dense: dense,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  Activation: activation,
  Softmax: softmax,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ZeroPadding2D: zeroPadding2d,
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  Flatten: flatten,
  Add: variadic('Sum'),
  Multiply: variadic('Mul'),
  Maximum: variadic('Max'),
  Minimum: variadic('Min'),
  Average: variadic('Mean'),
  Concatenate: concatenate,
};
