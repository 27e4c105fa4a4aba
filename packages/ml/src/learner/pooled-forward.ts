/**
 * A model's inference-mode forward on worker threads outside a fit (predictions for
 * interpretation, a validation on its own): one wasm instance computes on one thread in Node,
 * so each batch is split in shares, one per worker of the process's pool (backend/body-pool.ts),
 * each holding a copy of the model. Inside a data-parallel fit the training workers' replicas
 * do this instead (DataParallel.inference), without copying the model again.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { bodyPool, modelArtifacts, poolBackendOf } from '../parallel/body-pool';
import { readImages, shareSizes } from './data-parallel';

export interface PooledForward {
  /** A batch's model output, its shares computed side by side; `x` is read, not disposed. */
  forward(x: tf.Tensor): Promise<tf.Tensor>;
  /** Frees the workers' copies of the model (runs already sent finish first). Idempotent. */
  close(): void;
}

/** Loads a copy of `model` in `threads` pool workers (threads ≥ 2, wasm or cpu backend). */
export async function openPooledForward(
  model: tfl.LayersModel,
  threads: number,
): Promise<PooledForward> {
  const backend = poolBackendOf(tf.getBackend());
  if (backend == null || threads < 2) {
    throw new Error(
      `Predictions on worker threads need 2 or more threads on the wasm or cpu backend; received ${threads} on ${tf.getBackend()}.`,
    );
  }
  let pooled;
  try {
    pooled = await bodyPool(backend).load(await modelArtifacts(model), threads);
  } catch (error) {
    throw failed(error);
  }
  return {
    async forward(x) {
      const sizes = shareSizes(x.shape[0]!, threads).filter((n) => n > 0);
      const running: Promise<tf.Tensor>[] = [];
      let start = 0;
      for (const size of sizes) {
        const share = await readImages(x, start, size);
        start += size;
        running.push(
          pooled.run(share.x, share.shape).then((out) => tf.tensor(out.values, out.shape)),
        );
      }
      const settled = await Promise.allSettled(running);
      const parts = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const rejected = settled.find((r) => r.status === 'rejected');
      if (rejected != null) {
        tf.dispose(parts);
        throw failed((rejected as PromiseRejectedResult).reason);
      }
      if (parts.length === 1) return parts[0]!;
      const out = tf.concat(parts);
      tf.dispose(parts);
      return out;
    },
    close: () => pooled.close(),
  };
}

/** A worker's failure, said as the predictions', with what to do about it. */
function failed(error: unknown): Error {
  return new Error(
    `Predictions failed in a worker thread: ${error instanceof Error ? error.message : error} ` +
      `Retry, or set threads to 1 to predict in the main thread.`,
  );
}
