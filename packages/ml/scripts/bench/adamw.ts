import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** torch.optim.AdamW's defaults with torch_reference.py's lr and weight decay. */
export const BENCH_ADAMW: AdamWOptions = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 1e-2,
};

/**
 * A minimal AdamW for the benchmark until the learner exports its optimiser (src/learner is
 * being written concurrently). Same maths as torch.optim.AdamW:
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)
 * The bias corrections are folded into two scalars so each weight costs a handful of
 * elementwise ops; the optimiser's share of a step is part of what the bench measures.
 */
export class AdamW {
  private step = 0;
  private readonly moments = new Map<tf.Variable, { m: tf.Variable; v: tf.Variable }>();

  constructor(private readonly options: AdamWOptions = BENCH_ADAMW) {}

  /** Applies one update; consumes nothing (the caller disposes `grads`). */
  apply(grads: ReadonlyMap<tf.Variable, tf.Tensor>): void {
    this.step++;
    const { lr, beta1, beta2, eps, weightDecay } = this.options;
    const stepSize = lr / (1 - beta1 ** this.step);
    const sqrtBias2 = Math.sqrt(1 - beta2 ** this.step);
    tf.tidy(() => {
      const decay = tf.scalar(1 - lr * weightDecay);
      const [b1, c1, b2, c2] = [beta1, 1 - beta1, beta2, 1 - beta2].map((n) => tf.scalar(n));
      const [step, bias2, epsilon] = [stepSize, sqrtBias2, eps].map((n) => tf.scalar(n));
      for (const [param, grad] of grads) {
        const state = this.stateOf(param);
        const m = tf.add(tf.mul(state.m, b1!), tf.mul(grad, c1!));
        const v = tf.add(tf.mul(state.v, b2!), tf.mul(tf.square(grad), c2!));
        const denom = tf.add(tf.div(tf.sqrt(v), bias2!), epsilon!);
        param.assign(tf.sub(tf.mul(param, decay), tf.div(tf.mul(m, step!), denom)));
        state.m.assign(m);
        state.v.assign(v);
      }
    });
  }

  private stateOf(param: tf.Variable): { m: tf.Variable; v: tf.Variable } {
    let state = this.moments.get(param);
    if (state == null) {
      state = {
        m: tf.variable(tf.zerosLike(param), false),
        v: tf.variable(tf.zerosLike(param), false),
      };
      this.moments.set(param, state);
    }
    return state;
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}
