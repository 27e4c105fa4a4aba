import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index';
await initBackend({ prefer: 'wasm' });
const [B, H, C, Co, k] = [32, 28, 128, 128, 3];
const x = tf.randomNormal([B, H, H, C]) as tf.Tensor4D;
const dy = tf.randomNormal([B, H, H, Co]) as tf.Tensor4D;
const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, C, Co] };
const ref = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor;
function folded(F: number): tf.Tensor {
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [C, H, W, B]
    // xpad: top/left 1, need width for shifts: W + 2 + (F-1)
    const xp = tf.pad(xT, [[0, 0], [1, 1], [1, 1 + F], [0, 0]]);
    const Wp = H + 2;
    const shifted: tf.Tensor[] = [];
    for (let e = 0; e < F; e++) shifted.push(tf.slice(xp, [0, 0, e, 0], [C, H + 2, Wp, B]));
    const z = tf.concat(shifted, 3) as tf.Tensor4D; // [C, Hp, Wp, (e, b)]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Co]
    const f = tf.reshape(dyT, [H, H / F, F * B, Co]) as tf.Tensor4D; // j = F j' + e -> [i, j', (e, b), o]
    // out width must be k: Wp - F*(Wo/F - 1) - 1 + 1 = k? Wp = 30, F(Wo/F-1)+1 = Wo - F + 1 -> 30 - 28 + F - 1 + 1 = 2 + F -> slice to k
    const o = tf.conv2d(z, f, 1, 'valid', 'NHWC', [1, F]);
    return tf.transpose(tf.slice(o, [0, 0, 0, 0], [C, k, k, Co]), [1, 2, 0, 3]);
  });
}
for (const F of [2, 4]) {
  const m = folded(F);
  console.log(F, 'rel err', tf.max(tf.abs(tf.sub(m, ref))).dataSync()[0]! / tf.max(tf.abs(ref)).dataSync()[0]!);
  m.dispose();
}
async function t(fn: () => tf.Tensor) { const s0 = performance.now(); const y = fn(); await y.data(); y.dispose(); return performance.now() - s0; }
const best: Record<string, number> = { cur: Infinity, f2: Infinity, f4: Infinity, fwd: Infinity };
const w = tf.randomNormal([k, k, C, Co]) as tf.Tensor4D;
for (let r = 0; r < 6; r++) {
  best.fwd = Math.min(best.fwd!, await t(() => tf.conv2d(x, w, 1, 'same')));
  best.cur = Math.min(best.cur!, await t(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor));
  best.f2 = Math.min(best.f2!, await t(() => folded(2)));
  best.f4 = Math.min(best.f4!, await t(() => folded(4)));
}
console.log(best);
