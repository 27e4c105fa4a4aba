/**
 * Computes a few convolutions and their gradients on the wasm backend with the thread count
 * given on the command line, and prints them as JSON (wasm-threads.integration.test.ts compares them with
 * the same computed on one thread). The process must end by itself when done.
 *
 *   npx tsx src/backend/wasm-threads-probe.ts <threads>
 */
import * as tf from '@tensorflow/tfjs-core';
// The ops' gradients, which tfjs-layers registers in the learner's processes.
import '@tensorflow/tfjs-layers';
import { initBackend } from './init-backend';

/** Seeded inputs, forward outputs and both gradients of each case, as plain arrays. */
export function probeConvolutions(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const cases = [
    { name: 'same-1', strides: 1, pad: 'same' as const },
    { name: 'valid-2', strides: 2, pad: 'valid' as const },
  ];
  for (const { name, strides, pad } of cases) {
    tf.tidy(() => {
      const x = tf.randomNormal([4, 16, 16, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 8, 16], 0, 0.2, 'float32', 2) as tf.Tensor4D;
      const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, strides, pad);
      const y = conv(x, w);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), dy)),
      )([x, w]);
      out[`${name}/y`] = Array.from(y.dataSync());
      out[`${name}/dx`] = Array.from(dx!.dataSync());
      out[`${name}/dw`] = Array.from(dw!.dataSync());
    });
  }
  return out;
}

if (process.argv[1]?.endsWith('wasm-threads-probe.ts')) {
  const threads = Number(process.argv[2] ?? 2);
  const info = await initBackend({ prefer: 'wasm', wasmThreads: threads });
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  process.stdout.write(
    `${JSON.stringify({ backend: info.name, threads: getThreadsCount(), values: probeConvolutions() })}\n`,
  );
}
