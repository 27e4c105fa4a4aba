/**
 * Training workers: worker threads holding a replica of the learner's model each, on their own
 * tfjs backend, that compute the loss and gradients of their share of every batch
 * (learner/data-parallel.ts splits the batch and combines the results), and the logits of their
 * share of each validation batch. They live for one fit:
 * started and loaded when it starts, ended by `close()` when it ends.
 */
import type { Worker } from 'node:worker_threads';
import type { PoolBackend } from './body-protocol';
import { RequestWorker } from './request-worker';
import type { ReplicaSpec, TrainReply, TrainRequest, TrainWorkerData } from './train-protocol';

export type { ReplicaSpec, WeightSlot } from './train-protocol';

const WORKER_URL = new URL('./train-worker-entry.mjs', import.meta.url);

/** One share of a batch: its images (NHWC) and int32 labels. */
export interface Share {
  x: Float32Array;
  shape: number[];
  y: Int32Array;
}

export interface StepResult {
  loss: number;
  grads: (Float32Array | null)[];
  statistics: Float32Array[];
  dropoutCalls: Record<string, number>;
}

export interface TrainWorkers {
  /** The threads (for inspection). */
  readonly threads: readonly Worker[];
  /** Worker `i`'s loss, gradients and running statistics for one share (its buffers move). */
  step(i: number, share: Share, dropoutCalls: Record<string, number>): Promise<StepResult>;
  /**
   * Worker `i`'s body features of a share in training mode, after reading the shared weights,
   * with the running statistics they left (phase 1 of whole-batch-head.ts); it keeps the images.
   */
  features(
    i: number,
    x: Float32Array,
    shape: number[],
  ): Promise<{ features: Float32Array; shape: number[]; statistics: Float32Array[] }>;
  /** Worker `i`'s body gradients of its last features' images (phase 3), one per param slot. */
  backward(i: number, dFeatures: Float32Array, shape: number[]): Promise<(Float32Array | null)[]>;
  /**
   * Worker `i`'s logits for images in inference mode (the buffer moves); `readWeights` when the
   * main thread wrote the shared weights since this worker last read them.
   */
  infer(i: number, x: Float32Array, shape: number[], readWeights: boolean): Promise<Float32Array>;
  /** Ends the threads; steps still waiting fail. Idempotent. */
  close(): Promise<void>;
}

/** Starts one worker per replica and loads it; resolves once every replica is ready. */
export async function openTrainWorkers(
  backend: PoolBackend,
  replicas: readonly ReplicaSpec[],
): Promise<TrainWorkers> {
  const workerData: TrainWorkerData = { backend };
  const workers = replicas.map(
    (_, i) =>
      new RequestWorker<TrainRequest, TrainReply>(`Training worker ${i}`, WORKER_URL, workerData),
  );
  let nextJob = 1;
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= Promise.all(workers.map((w) => w.terminate('was closed'))).then(() => {});
    return closing;
  };
  try {
    await Promise.all(
      workers.map((w, i) => w.request({ type: 'load', job: nextJob++, replica: replicas[i]! })),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    threads: workers.map((w) => w.worker),
    async step(i, { x, shape, y }, dropoutCalls) {
      const reply = await workers[i]!.request(
        { type: 'step', job: nextJob++, x, shape, y, dropoutCalls },
        [x.buffer as ArrayBuffer, y.buffer as ArrayBuffer],
      );
      return {
        loss: reply.loss!,
        grads: reply.grads!,
        statistics: reply.statistics!,
        dropoutCalls: reply.dropoutCalls!,
      };
    },
    async features(i, x, shape) {
      const reply = await workers[i]!.request({ type: 'features', job: nextJob++, x, shape }, [
        x.buffer as ArrayBuffer,
      ]);
      return {
        features: reply.features!,
        shape: reply.featureShape!,
        statistics: reply.statistics!,
      };
    },
    async backward(i, dFeatures, shape) {
      const reply = await workers[i]!.request(
        { type: 'backward', job: nextJob++, dFeatures, shape },
        [dFeatures.buffer as ArrayBuffer],
      );
      return reply.grads!;
    },
    async infer(i, x, shape, readWeights) {
      const reply = await workers[i]!.request(
        { type: 'infer', job: nextJob++, x, shape, readWeights },
        [x.buffer as ArrayBuffer],
      );
      return reply.logits!;
    },
    close,
  };
}
