import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index';
await initBackend({ prefer: 'wasm' });
const mx = tf.relu(tf.randomNormal([32, 66, 66, 64])) as tf.Tensor4D;
const my = tf.maxPool(mx, 3, 2, 'valid');
const xp = tf.randomNormal([32, 66, 66, 64]);
for (let r = 0; r < 4; r++) {
  let s = performance.now();
  const g = tf.engine().runKernel('MaxPoolGrad', { dy: my, input: mx, output: my }, { filterSize: 3, strides: 2, pad: 'valid' }) as tf.Tensor;
  const a = performance.now() - s;
  s = performance.now();
  const sl = tf.slice(xp, [0, 1, 1, 0], [32, 64, 64, 64]);
  const b = performance.now() - s;
  s = performance.now();
  const m = tf.mul(xp, xp);
  const c = performance.now() - s;
  console.log('maxpoolgrad', a.toFixed(1), 'slice', b.toFixed(1), 'mul', c.toFixed(1));
  tf.dispose([g, sl, m]);
}
