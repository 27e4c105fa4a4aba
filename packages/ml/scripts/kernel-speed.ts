/**
 * Throughput of the wasm training kernels against the forward conv they are built from.
 * Prints one JSON line per measurement, then one summary line per conv shape with the
 * training-step cost (forward + input grad + filter grad) as a multiple of the forward.
 * The kernels of a shape run interleaved, round by round, and the fastest round counts:
 * the machines are shared, and contention should slow all three alike or be skipped.
 * Run: npx tsx scripts/kernel-speed.ts [rounds]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index';

interface ConvCase {
  name: string;
  kind: 'conv2d' | 'depthwise';
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

const CASES: ConvCase[] = [
  // DESIGN.md §5 reference shape.
  {
    name: '3x3 128->128 28x28 b32 s1',
    kind: 'conv2d',
    x: [32, 28, 28, 128],
    filter: [3, 3, 128, 128],
    stride: 1,
  },
  // ResNet layer2 entry: stride-2 3×3 from 56×56.
  {
    name: '3x3 64->128 56x56 b32 s2',
    kind: 'conv2d',
    x: [32, 56, 56, 64],
    filter: [3, 3, 64, 128],
    stride: 2,
  },
  // MobileNetV2-style depthwise layer, for comparison.
  {
    name: 'dw 3x3 128 28x28 b32 s1',
    kind: 'depthwise',
    x: [32, 28, 28, 128],
    filter: [3, 3, 128, 1],
    stride: 1,
  },
];

const rounds = Number(process.argv[2] ?? 5);

async function timeMs(run: () => tf.Tensor): Promise<number> {
  const start = performance.now();
  const out = run();
  await out.data();
  const elapsed = performance.now() - start;
  out.dispose();
  return elapsed;
}

const backend = await initBackend({ prefer: 'wasm' });
console.log(
  JSON.stringify({ backend: backend.name, reason: backend.reason, tfjs: tf.version_core, rounds }),
);

for (const c of CASES) {
  const isDepthwise = c.kind === 'depthwise';
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const filter = tf.randomNormal(c.filter) as tf.Tensor4D;
  const forward = () =>
    isDepthwise
      ? tf.depthwiseConv2d(x, filter, c.stride, 'same')
      : tf.conv2d(x, filter, c.stride, 'same');
  const dy = forward();
  const [, outH, outW, outC] = dy.shape;
  const [kh, kw, inC] = c.filter;
  const macs = c.x[0] * outH * outW * outC * kh * kw * (isDepthwise ? 1 : inC);
  const common = { strides: c.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const kernels: Array<[string, () => tf.Tensor]> = [
    ['forward', forward],
    [
      'backprop-input',
      () =>
        tf
          .engine()
          .runKernel(
            isDepthwise ? tf.DepthwiseConv2dNativeBackpropInput : tf.Conv2DBackpropInput,
            { dy, filter },
            { ...common, inputShape: c.x },
          ) as tf.Tensor,
    ],
    [
      'backprop-filter',
      () =>
        tf
          .engine()
          .runKernel(
            isDepthwise ? tf.DepthwiseConv2dNativeBackpropFilter : tf.Conv2DBackpropFilter,
            { x, dy },
            { ...common, filterShape: c.filter },
          ) as tf.Tensor,
    ],
  ];
  for (const [, run] of kernels) await timeMs(run); // warm-up: XNNPACK operator creation
  const msByKernel: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [kernel, run] of kernels) {
      msByKernel[kernel] = Math.min(msByKernel[kernel] ?? Infinity, await timeMs(run));
    }
  }
  for (const [kernel] of kernels) {
    const ms = msByKernel[kernel] ?? NaN;
    console.log(
      JSON.stringify({
        case: c.name,
        kernel,
        ms: +ms.toFixed(1),
        gmacPerS: +(macs / ms / 1e6).toFixed(2),
        gmac: +(macs / 1e9).toFixed(3),
      }),
    );
  }
  const fwd = msByKernel.forward ?? NaN;
  const step = fwd + (msByKernel['backprop-input'] ?? NaN) + (msByKernel['backprop-filter'] ?? NaN);
  console.log(
    JSON.stringify({
      case: c.name,
      trainingStepOverForward: +(step / fwd).toFixed(2),
      budget: 3.5,
    }),
  );
  tf.dispose([x, filter, dy]);
}
