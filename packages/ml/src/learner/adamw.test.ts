import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** torch 1.0 Adam after fastai's true weight decay, written out for one scalar weight. */
function handStep(
  p: number,
  g: number,
  s: { m: number; v: number; t: number },
  h: { lr: number; mom: number; beta2: number; eps: number; wd: number },
): number {
  s.t += 1;
  const decayed = p * (1 - h.lr * h.wd);
  s.m = h.mom * s.m + (1 - h.mom) * g;
  s.v = h.beta2 * s.v + (1 - h.beta2) * g * g;
  const stepSize = (h.lr * Math.sqrt(1 - h.beta2 ** s.t)) / (1 - h.mom ** s.t);
  return decayed - (stepSize * s.m) / (Math.sqrt(s.v) + h.eps);
}

describe('AdamW (fastai v1 true_wd, torch 1.0 Adam)', () => {
  it('matches a hand computation over two steps, per group and with a changing beta1', () => {
    const p0 = [1, -2, 0.5];
    const a = tf.variable(tf.tensor1d([p0[0]!, p0[1]!]));
    const b = tf.variable(tf.tensor1d([p0[2]!]));
    const opt = new AdamW([[{ key: 'a', variable: a }], [{ key: 'b', variable: b }]], { wd: 0.01 });
    expect([opt.beta2, opt.eps, opt.mom]).toEqual([0.99, 1e-8, 0.9]);
    const grads = [
      [0.5, 0.1, -0.3],
      [-0.2, 0.4, 0.05],
    ];
    const hyper = [
      { lrs: [0.1, 0.01], mom: 0.9 },
      { lrs: [0.05, 0.02], mom: 0.8 },
    ];
    const expected = [...p0];
    const states = p0.map(() => ({ m: 0, v: 0, t: 0 }));
    for (const [k, g] of grads.entries()) {
      const { lrs, mom } = hyper[k]!;
      opt.lr = lrs;
      opt.mom = mom;
      const named = { [a.name]: tf.tensor1d(g.slice(0, 2)), [b.name]: tf.tensor1d(g.slice(2)) };
      opt.step(named);
      tf.dispose(Object.values(named));
      expected.forEach((p, i) => {
        const lr = i < 2 ? lrs[0]! : lrs[1]!;
        expected[i] = handStep(p, g[i]!, states[i]!, { lr, mom, beta2: 0.99, eps: 1e-8, wd: 0.01 });
      });
    }
    const actual = [...a.dataSync(), ...b.dataSync()];
    actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // The first step moves each weight by about lr (Adam's normalised step) plus the decay.
    expect(expected[0]).toBeCloseTo(
      1 * (1 - 0.1 * 0.01) - 0.1 * (0.05 / (0.05 + 1e-8)) - 0.05 * 1,
      1,
    );
    expect(opt.stepCount).toBe(2);
    opt.dispose();
    tf.dispose([a, b]);
  });

  it('decays a parameter without a gradient but leaves its moments alone', () => {
    const a = tf.variable(tf.tensor1d([2]));
    const opt = new AdamW([[{ key: 'a', variable: a }]], { wd: 0.1 });
    opt.lr = [0.5];
    opt.step({});
    expect(a.dataSync()[0]).toBeCloseTo(2 * (1 - 0.05), 6);
    expect(opt.stepCount).toBe(0);
    opt.dispose();
    a.dispose();
  });

  it('round-trips its state and holds no tensors after dispose', async () => {
    const start = tf.memory().numTensors;
    const a = tf.tidy(() => tf.variable(tf.tensor2d([[1, 2]])));
    const opt = new AdamW([[{ key: 'a', variable: a }]]);
    const g = tf.tensor2d([[0.3, -0.1]]);
    opt.step({ [a.name]: g });
    const state = await opt.getState();
    expect(state).toHaveLength(1);
    expect(state[0]).toMatchObject({ key: 'a', step: 1, shape: [1, 2] });
    const other = new AdamW([[{ key: 'a', variable: a }]]);
    other.setState(state);
    expect(await other.getState()).toEqual(state);
    expect(() => other.setState([{ ...state[0]!, shape: [2, 1] }])).toThrow(/shape \[2,1\]/);
    tf.dispose([g, a]);
    opt.dispose();
    other.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
