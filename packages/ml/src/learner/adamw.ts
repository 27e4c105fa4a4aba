import * as tf from '@tensorflow/tfjs-core';

/** A trainable weight with the stable name it is saved under. */
export interface Param {
  key: string;
  variable: tf.Variable;
}

export interface AdamWOptions {
  /** Adam beta2. Default 0.99 (fastai v1 `AdamW = partial(optim.Adam, betas=(0.9, 0.99))`). */
  beta2?: number;
  eps?: number;
  wd?: number;
}

/** Per-weight Adam moments, in a form that can be written to bytes and read back. */
export interface AdamWParamState {
  key: string;
  step: number;
  shape: number[];
  m: Float32Array;
  v: Float32Array;
}

interface Moments {
  step: number;
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Adam with decoupled weight decay as fastai v1 runs it (callback.py OptimWrapper.step with
 * true_wd=True, bn_wd=True, then torch 1.0 optim.Adam): every parameter of group g is first
 * scaled by (1 − lr_g·wd), then takes the Adam step lr_g·√(1−β2^t)/(1−β1^t) · m/(√v + eps).
 * β1 is `mom`, which the one-cycle schedule drives. Only the parameters given are updated:
 * a frozen weight is not in the optimiser, as in fastai (trainable_params).
 */
export class AdamW {
  /** Learning rate per group. */
  lr: number[];
  /** Adam beta1 (fastai's "momentum"). */
  mom = 0.9;
  beta2: number;
  eps: number;
  wd: number;
  private readonly moments = new Map<string, Moments>();

  constructor(
    readonly groups: readonly (readonly Param[])[],
    options: AdamWOptions = {},
  ) {
    this.beta2 = options.beta2 ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.wd = options.wd ?? 1e-2;
    this.lr = groups.map(() => 1e-3);
  }

  /** The variables in the optimiser, for tf.variableGrads. */
  get variables(): tf.Variable[] {
    return this.groups.flatMap((g) => g.map((p) => p.variable));
  }

  /** Steps taken by the parameters with the most steps (all of them, in normal training). */
  get stepCount(): number {
    let n = 0;
    for (const s of this.moments.values()) n = Math.max(n, s.step);
    return n;
  }

  /**
   * One update from gradients keyed by variable name (tf.variableGrads's result); does not
   * dispose them. With `groups`, only those groups' parameters are decayed and stepped.
   */
  step(grads: tf.NamedTensorMap, groups?: readonly number[]): void {
    const { mom, beta2, eps, wd } = this;
    tf.tidy(() => {
      const beta1T = tf.scalar(mom);
      const oneMinusBeta1 = tf.scalar(1 - mom);
      const beta2T = tf.scalar(beta2);
      const oneMinusBeta2 = tf.scalar(1 - beta2);
      const epsT = tf.scalar(eps);
      this.groups.forEach((group, g) => {
        if (groups != null && !groups.includes(g)) return;
        const lr = this.lr[g]!;
        const decay = tf.scalar(1 - lr * wd);
        for (const { key, variable } of group) {
          const grad = grads[variable.name];
          // fastai decays every parameter in the optimiser, with or without a gradient.
          let p: tf.Tensor = wd === 0 ? variable : tf.mul(variable, decay);
          if (grad != null) {
            const s = this.momentsOf(key, variable);
            s.step += 1;
            const stepSize = (lr * Math.sqrt(1 - beta2 ** s.step)) / (1 - mom ** s.step);
            const m = tf.add(tf.mul(s.m, beta1T), tf.mul(grad, oneMinusBeta1));
            const v = tf.add(tf.mul(s.v, beta2T), tf.mul(tf.square(grad), oneMinusBeta2));
            const update = tf.div(m, tf.add(tf.sqrt(v), epsT));
            p = tf.sub(p, tf.mul(update, tf.scalar(stepSize)));
            s.m.assign(m);
            s.v.assign(v);
          }
          if (p !== variable) variable.assign(p);
        }
      });
    });
  }

  private momentsOf(key: string, variable: tf.Variable): Moments {
    let s = this.moments.get(key);
    if (s == null) {
      s = {
        step: 0,
        m: tf.variable(tf.zerosLike(variable), false),
        v: tf.variable(tf.zerosLike(variable), false),
      };
      this.moments.set(key, s);
    }
    return s;
  }

  /** The moments of every parameter that has taken a step. */
  async getState(): Promise<AdamWParamState[]> {
    const out: AdamWParamState[] = [];
    for (const [key, s] of this.moments) {
      const [m, v] = await Promise.all([s.m.data<'float32'>(), s.v.data<'float32'>()]);
      out.push({ key, step: s.step, shape: s.m.shape, m, v });
    }
    return out;
  }

  /** Restores moments for the parameters this optimiser holds; others are ignored. */
  setState(states: readonly AdamWParamState[]): void {
    const byKey = new Map(this.groups.flat().map((p) => [p.key, p.variable]));
    this.clearState();
    for (const state of states) {
      const variable = byKey.get(state.key);
      if (variable == null) continue;
      if (state.shape.join() !== variable.shape.join()) {
        throw new Error(
          `Optimiser state for "${state.key}" has shape [${state.shape}], but the weight is [${variable.shape}].`,
        );
      }
      this.moments.set(
        state.key,
        tf.tidy(() => ({
          step: state.step,
          m: tf.variable(tf.tensor(state.m, state.shape), false),
          v: tf.variable(tf.tensor(state.v, state.shape), false),
        })),
      );
    }
  }

  /** Frees the moments (the weights belong to the model). */
  clearState(): void {
    for (const s of this.moments.values()) tf.dispose([s.m, s.v]);
    this.moments.clear();
  }

  dispose(): void {
    this.clearState();
  }
}
