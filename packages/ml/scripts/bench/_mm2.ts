import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index';
await initBackend({ prefer: 'wasm' });
for (const [b, h, c] of [[32, 64, 64], [32, 32, 64], [32, 16, 128], [32, 8, 256], [32, 4, 512]] as const) {
  const row: Record<string, number | string> = { b, h, c };
  for (const [name, f] of [
    ['sumFresh', (x: tf.Tensor) => tf.sum(x, [0, 1, 2])],
    ['avgPool', (x: tf.Tensor) => tf.avgPool(tf.reshape(x, [1, b * h, h, c]) as tf.Tensor4D, [b * h, h], 1, 'valid')],
    ['mulFresh', (x: tf.Tensor) => tf.mul(x, x)],
  ] as const) {
    let best = Infinity;
    for (let r = 0; r < 4; r++) {
      const x = tf.randomNormal([b, h, h, c]);
      const s = performance.now(); const y = f(x); y.dataSync(); best = Math.min(best, performance.now() - s); tf.dispose([x, y]);
    }
    row[name] = +best.toFixed(2);
  }
  console.log(JSON.stringify(row));
}
