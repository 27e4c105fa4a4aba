import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';

export interface KernelTime {
  /** 'forward', 'grad:<forward kernel>' (ops run by that kernel's gradient) or 'optimizer'. */
  context: string;
  kernel: string;
  /** Exclusive time by `now`: kernels called inside a kernel (ours are built from ops) are subtracted. */
  ms: number;
  calls: number;
}

type GradFunc = GradConfig['gradFunc'];

/**
 * Times every kernel of one run of `f` by wrapping the backend's registered kernel functions,
 * and tags the kernels a gradient function runs with the forward kernel it differentiates, by
 * wrapping the registered gradient functions. `tf.profile` cannot do the latter, and on wasm it
 * has no timer of its own either. Everything is restored afterwards.
 */
export function profileKernels(
  backendName: string,
  phaseOf: () => string,
  now: () => number,
  f: () => void,
): { kernels: KernelTime[]; totalMs: number } {
  const totals = new Map<string, KernelTime>();
  const contexts: string[] = [];
  const childMs: number[] = [0];
  const originals: KernelConfig[] = tf.getKernelsForBackend(backendName);
  const gradOriginals = new Map<GradConfig, GradFunc>();

  const timed = (config: KernelConfig): KernelConfig => ({
    ...config,
    kernelFunc: (args) => {
      childMs.push(0);
      const start = now();
      const out = config.kernelFunc(args);
      const elapsed = now() - start;
      const exclusive = elapsed - childMs.pop()!;
      childMs[childMs.length - 1]! += elapsed;
      const context = contexts.at(-1) ?? phaseOf();
      const key = `${context}|${config.kernelName}`;
      const entry = totals.get(key) ?? { context, kernel: config.kernelName, ms: 0, calls: 0 };
      entry.ms += exclusive;
      entry.calls++;
      totals.set(key, entry);
      return out;
    },
  });

  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(timed(config));
    const grad = tf.getGradient(config.kernelName);
    if (grad != null && !gradOriginals.has(grad)) {
      const gradFunc = grad.gradFunc;
      gradOriginals.set(grad, gradFunc);
      // Mutated in place (and restored) because registerGradient warns about every override.
      grad.gradFunc = (dy, saved, attrs) => {
        const fns = gradFunc(dy, saved, attrs);
        const wrapped: Record<string, () => tf.Tensor> = {};
        for (const [input, fn] of Object.entries(fns)) {
          wrapped[input] = () => {
            contexts.push(`grad:${grad.kernelName}`);
            try {
              return fn();
            } finally {
              contexts.pop();
            }
          };
        }
        return wrapped;
      };
    }
  }
  const start = now();
  try {
    f();
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
    for (const [grad, gradFunc] of gradOriginals) grad.gradFunc = gradFunc;
  }
  const totalMs = now() - start;
  const kernels = [...totals.values()].sort((a, b) => b.ms - a.ms);
  return { kernels, totalMs };
}

/** Sums kernel times by one key, largest first. */
export function groupTimes(
  kernels: readonly KernelTime[],
  keyOf: (k: KernelTime) => string,
): Array<{ key: string; ms: number; calls: number }> {
  const groups = new Map<string, { key: string; ms: number; calls: number }>();
  for (const k of kernels) {
    const key = keyOf(k);
    const group = groups.get(key) ?? { key, ms: 0, calls: 0 };
    group.ms += k.ms;
    group.calls += k.calls;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.ms - a.ms);
}
