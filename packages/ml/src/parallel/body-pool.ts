/**
 * A pool of worker threads, each with its own tfjs backend, that run a model in inference mode
 * on batches sent from the main thread. One wasm instance computes on one thread in Node, so a
 * frozen body's forward pass (the feature cache build) uses a single core; a worker per core
 * runs batches side by side while the main thread keeps decoding and augmenting the next ones.
 *
 * Workers start on first use, are shared by every model loaded afterwards in the process and
 * never keep it alive (unref'd while idle); `closeBodyPools()` ends them.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BodyReply, BodyRequest, BodyWorkerData, PoolBackend } from './body-protocol';
import { RequestWorker } from './request-worker';

type PoolWorker = RequestWorker<BodyRequest, BodyReply>;

export type { PoolBackend } from './body-protocol';

/** Default workers of a pooled build: one per core, at most two (the machines here have two). */
export function defaultPoolThreads(): number {
  return Math.min(2, availableParallelism());
}

/** The pool backend for tfjs's active backend, or null when workers would not help. */
export function poolBackendOf(tfjsBackend: string): PoolBackend | null {
  return tfjsBackend === 'wasm' || tfjsBackend === 'cpu' ? tfjsBackend : null;
}

/** A model loaded in some workers of a pool. */
export interface PooledModel {
  readonly threads: number;
  /** The model's output for one batch, computed by the next free worker. */
  run(input: Float32Array, shape: number[]): Promise<{ values: Float32Array; shape: number[] }>;
  /** Frees the model in its workers once the runs already sent are done. Idempotent. */
  close(): void;
}

/** A model's topology and weights in memory, as `tf.io.fromMemory` loads them. */
export async function modelArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts!;
}

const WORKER_URL = new URL('./body-worker-entry.mjs', import.meta.url);

export class BodyPool {
  private readonly slots: Array<PoolWorker | undefined> = [];
  private nextJob = 1;
  private nextModel = 1;
  private isClosed = false;

  constructor(readonly backend: PoolBackend) {}

  /** The running workers' threads (for inspection; a crashed one is replaced on next use). */
  get workers(): readonly Worker[] {
    return this.slots.flatMap((slot) => (slot == null ? [] : [slot.worker]));
  }

  /** Loads the model into the first `threads` workers, starting those not running yet. */
  async load(artifacts: tf.io.ModelArtifacts, threads: number): Promise<PooledModel> {
    if (this.isClosed) throw new Error('This body pool was closed.');
    const workers = Array.from({ length: threads }, (_, slot) => this.start(slot));
    const model = this.nextModel++;
    const closeModel = () => {
      for (const w of workers) {
        // Nothing waits for the reply; a worker gone since has freed the model with itself.
        w.request({ type: 'unload', job: this.nextJob++, model }).catch(() => {});
      }
    };
    try {
      await Promise.all(
        workers.map((w) => w.request({ type: 'load', job: this.nextJob++, model, artifacts })),
      );
    } catch (error) {
      closeModel();
      throw error;
    }
    let isOpen = true;
    return {
      threads,
      run: async (input, shape) => {
        if (!isOpen) throw new Error('This pooled model was closed.');
        const failed = workers.find((w) => w.failure != null);
        if (failed != null) throw failed.failure!;
        const next = workers.reduce((a, b) => (b.load < a.load ? b : a));
        const reply = await next.request(
          { type: 'run', job: this.nextJob++, model, input, shape },
          [input.buffer as ArrayBuffer],
        );
        return { values: reply.output!, shape: reply.shape! };
      },
      close: () => {
        if (!isOpen) return;
        isOpen = false;
        closeModel();
      },
    };
  }

  /** Ends every worker; requests still waiting fail. */
  async close(): Promise<void> {
    this.isClosed = true;
    const workers = this.slots.filter((w) => w != null);
    this.slots.length = 0;
    await Promise.all(workers.map((w) => w.terminate('was closed')));
  }

  private start(slot: number): PoolWorker {
    const running = this.slots[slot];
    if (running != null && running.failure == null) return running;
    const workerData: BodyWorkerData = { backend: this.backend };
    const worker: PoolWorker = new RequestWorker(
      `Body worker ${slot}`,
      WORKER_URL,
      workerData,
      (gone) => {
        if (this.slots[slot] === gone) this.slots[slot] = undefined;
      },
    );
    this.slots[slot] = worker;
    return worker;
  }
}

const pools = new Map<PoolBackend, BodyPool>();

/** The process's pool for a backend, created on first use. */
export function bodyPool(backend: PoolBackend): BodyPool {
  let pool = pools.get(backend);
  if (pool == null) {
    pool = new BodyPool(backend);
    pools.set(backend, pool);
  }
  return pool;
}

/** Ends every pool's workers (tests, shutdown); the next `bodyPool()` starts afresh. */
export async function closeBodyPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((pool) => pool.close()));
}
