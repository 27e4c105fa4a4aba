import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index';
await initBackend({ prefer: 'wasm' });
for (const [n, c] of [[131072, 64], [32768, 64], [8192, 128], [2048, 256], [512, 512]] as const) {
  const x = tf.randomNormal([n, c]);
  const ones = tf.ones([1, n]);
  const row: Record<string, number | string> = { n, c };
  for (const [name, f] of [
    ['sum0', () => tf.sum(x, 0)],
    ['mm', () => tf.matMul(ones, x)],
    ['mmT', () => tf.matMul(x, tf.ones([n, 1]), true, false)],
    ['mul', () => tf.mul(x, x)],
  ] as const) {
    let best = Infinity;
    for (let r = 0; r < 4; r++) { const s = performance.now(); const y = (f as () => tf.Tensor)(); y.dataSync(); best = Math.min(best, performance.now() - s); y.dispose(); }
    row[name] = +best.toFixed(2);
  }
  console.log(JSON.stringify(row));
}
