import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index';
await initBackend({ prefer: 'wasm' });
function t(f: () => tf.Tensor, n = 2) {
  let best = Infinity;
  for (let i = 0; i < n + 1; i++) { const s = process.cpuUsage(); const y = f(); y.dataSync(); const u = process.cpuUsage(s); if (i > 0) best = Math.min(best, (u.user + u.system) / 1000); y.dispose(); }
  return best;
}
console.log(os.loadavg());
// resnet18 @128 bs32: [H, ci, co, k, s]
const cases: [number, number, number, number, number][] = [
  [134, 3, 64, 7, 2], [34, 64, 64, 3, 1], [34, 64, 128, 3, 2], [32, 64, 128, 1, 2], [18, 128, 128, 3, 1],
  [18, 128, 256, 3, 2], [16, 128, 256, 1, 2], [10, 256, 256, 3, 1], [10, 256, 512, 3, 2], [8, 256, 512, 1, 2], [6, 512, 512, 3, 1],
];
let tot = [0, 0, 0];
for (const [H, ci, co, k, s] of cases) {
  const x = tf.randomNormal([32, H, H, ci]) as tf.Tensor4D;
  const f = tf.randomNormal([k, k, ci, co]) as tf.Tensor4D;
  const y = tf.conv2d(x, f, s, 'valid');
  const a = { strides: s, pad: 'valid', dataFormat: 'NHWC', dilations: 1 };
  const fw = t(() => tf.conv2d(x, f, s, 'valid'));
  const bi = t(() => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: y, filter: f }, { ...a, inputShape: x.shape }) as tf.Tensor);
  const bf = t(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: y }, { ...a, filterShape: f.shape }) as tf.Tensor);
  const macs = y.size * k * k * ci / 1e6;
  console.log(JSON.stringify({ H, ci, co, k, s, fw: +fw.toFixed(1), bi: +bi.toFixed(1), bf: +bf.toFixed(1), gmacs_fw: +(macs / fw).toFixed(1), gmacs_bi: +(macs / bi).toFixed(1), gmacs_bf: +(macs / bf).toFixed(1) }));
  tot = [tot[0]! + fw, tot[1]! + bi, tot[2]! + bf];
  tf.dispose([x, f, y]);
}
console.log(tot, os.loadavg());
