/**
 * Where a feature cache build runs the frozen body: in the main thread, or in a pool of worker
 * threads (backend/body-pool.ts) holding a copy of the feature model each.
 */
import * as tf from '@tensorflow/tfjs-core';
import { bodyPool, defaultPoolThreads, modelArtifacts, poolBackendOf } from '../parallel/body-pool';
import type { HeadSplit } from '../training/head-split';
import { openOnnxForward, usesOnnxRuntime, type InferenceEngineOption } from '../onnx/onnx-forward';

/** A batch read off the data pipeline, ready for the body. */
export interface Prepared {
  values: Float32Array;
  shape: number[];
}

export interface BodyRunner {
  /** Threads running the body; 1 is the main thread. */
  readonly threads: number;
  /** True when workers compute, so batches can be in flight while the next is prepared. */
  readonly isPooled: boolean;
  /**
   * Takes a batch's images off the data pipeline (in the main thread, computes their features
   * there and then); the caller may dispose `x` once this resolves. `values`, x's values as the
   * pipeline made them, spare reading x back where the body needs an array; the runner takes
   * them over (ONNX Runtime's worker thread moves their buffer), so the caller drops them too.
   */
  read(x: tf.Tensor, values?: Float32Array): Promise<Prepared>;
  /** The batch's features, one row of the feature size per image. */
  features(batch: Prepared): Promise<Float32Array>;
  /** Frees the workers' copies of the model (runs already sent finish first). Idempotent. */
  close(): void;
}

/** The threads a build uses: the option if given, else the default for tfjs's active backend. */
export function bodyThreads(threads: number | undefined): number {
  if (threads != null && (!Number.isInteger(threads) || threads < 1))
    throw new Error(`precompute.threads must be an integer >= 1, received ${threads}.`);
  if (poolBackendOf(tf.getBackend()) == null) return 1;
  return threads ?? defaultPoolThreads();
}

/** The body in the main thread: each batch's features computed as the batch is read. */
function inThreadRunner(split: HeadSplit): BodyRunner {
  return {
    threads: 1,
    isPooled: false,
    async read(x) {
      const f = tf.tidy(() => split.features(x));
      try {
        return { values: await f.data<'float32'>(), shape: f.shape };
      } finally {
        f.dispose();
      }
    },
    features: async (batch) => batch.values,
    close() {},
  };
}

/** A worker's failure, said as the build's, with what to do about it. */
async function inWorkers<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(
      `The feature cache build failed in a worker thread: ${error instanceof Error ? error.message : error} ` +
        `Retry the fit, or set precompute.threads to 1 to build the cache in the main thread.`,
    );
  }
}

/**
 * The frozen body on ONNX Runtime, converted once for the build; it uses every core itself, from
 * a worker thread, while the main thread prepares the next batch.
 */
async function onnxRunner(split: HeadSplit): Promise<BodyRunner> {
  const onnx = await openOnnxForward(split.featureModel(), { inWorker: true });
  return {
    threads: 1,
    isPooled: true,
    async read(x, values) {
      // A copy of its own, unless the pipeline made one: the next batch is read while this one
      // computes.
      return { values: values ?? (await x.data<'float32'>()).slice(), shape: x.shape };
    },
    features: ({ values, shape }) => onnx.forwardValues(values, shape),
    close: () => void onnx.close(),
  };
}

/**
 * Starts a build's body: on ONNX Runtime when the engine says so, else in the main thread for
 * 1 thread, else on that many pool workers.
 */
export async function openBodyRunner(
  split: HeadSplit,
  threads: number,
  engine: InferenceEngineOption = 'auto',
): Promise<BodyRunner> {
  if (await usesOnnxRuntime(engine)) return onnxRunner(split);
  const backend = poolBackendOf(tf.getBackend());
  if (threads === 1 || backend == null) return inThreadRunner(split);
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await modelArtifacts(split.featureModel());
  } catch (error) {
    throw new Error(
      `precompute could not copy the frozen body to its ${threads} worker threads: ` +
        `${error instanceof Error ? error.message : error}. Set precompute.threads to 1 to ` +
        `build the cache in the main thread.`,
    );
  }
  // Not awaited here: the workers start and load the model while the main thread decodes the
  // first batches; the first features() waits for them.
  const loading = bodyPool(backend).load(artifacts, threads);
  loading.catch(() => {}); // reported by features(); a build cancelled before then ignores it
  return {
    threads,
    isPooled: true,
    async read(x) {
      // A copy of its own: the buffer moves to a worker, and some backends hand out their store.
      return { values: (await x.data<'float32'>()).slice(), shape: x.shape };
    },
    features: async ({ values, shape }) =>
      (await inWorkers(loading.then((model) => model.run(values, shape)))).values,
    close: () =>
      void loading.then(
        (model) => model.close(),
        () => {},
      ),
  };
}
