import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index';
await initBackend({ prefer: 'wasm' });
function t(name: string, f: () => tf.Tensor, n = 5) {
  let best = Infinity;
  for (let i = 0; i < n; i++) { const s = performance.now(); const y = f(); y.dataSync(); best = Math.min(best, performance.now() - s); y.dispose(); }
  console.log(name.padEnd(40), best.toFixed(2), 'ms');
}
console.log(os.loadavg());
const x = tf.randomNormal([32, 32, 32, 64]);
const c = tf.randomNormal([64]);
t('tile [1,1,1,C]->[B,H,W,1]', () => tf.tile(tf.reshape(c, [1, 1, 1, 64]), [32, 32, 32, 1]));
t('mul broadcast by [C]', () => tf.mul(x, c));
t('mul same shape', () => tf.mul(x, x));
t('sum axes 0,1,2', () => tf.sum(x, [0, 1, 2]));
t('mean axes 0,1,2', () => tf.mean(x, [0, 1, 2]));
t('matmul ones x X', () => tf.matMul(tf.ones([1, 32 * 32 * 32]), tf.reshape(x, [-1, 64])));
t('sum reshape [N,C] axis 0', () => tf.sum(tf.reshape(x, [-1, 64]), 0));
t('transpose [3,0,1,2]', () => tf.transpose(x, [3, 0, 1, 2]));
t('transpose [1,2,0,3]', () => tf.transpose(x, [1, 2, 0, 3]));
t('identity copy', () => tf.engine().runKernel('Identity', { x }) as tf.Tensor);
const xp = tf.randomNormal([32, 66, 66, 64]);
t('slice pad grad [32,66,66,64]', () => tf.slice(xp, [0, 1, 1, 0], [32, 64, 64, 64]));
t('pad [32,64,64,64]', () => tf.pad(tf.randomNormal([32, 64, 64, 64]), [[0, 0], [1, 1], [1, 1], [0, 0]]));
const f = tf.randomNormal([3, 3, 256, 256]);
t('reverse [3,3,256,256] axes 0,1', () => tf.reverse(f, [0, 1]));
t('gather reversed rows', () => tf.gather(tf.reshape(f, [9, -1]), tf.tensor1d([8, 7, 6, 5, 4, 3, 2, 1, 0], 'int32')));
t('transpose filter [0,1,3,2]', () => tf.transpose(f, [0, 1, 3, 2]));
const mx = tf.relu(tf.randomNormal([32, 66, 66, 64])) as tf.Tensor4D;
const my = tf.maxPool(mx, 3, 2, 'valid');
t('maxpool fwd', () => tf.maxPool(mx, 3, 2, 'valid'));
t('maxPoolGrad', () => tf.engine().runKernel('MaxPoolGrad', { dy: my, input: mx, output: my }, { filterSize: 3, strides: 2, pad: 'valid' }) as tf.Tensor, 2);
t('relu grad (mul step)', () => tf.mul(x, tf.step(x)));
