// Forward passes that do not train (feature cache, validation, predictions) on ONNX Runtime when
// its native package loads here, with the tfjs model's weights of the moment.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { toOnnx } from './index';
import { OnnxGraph } from './onnx-graph';
import { RequestWorker } from '../parallel/request-worker';
import type { OrtReply, OrtRequest } from './ort-protocol';

import type * as Ort from 'onnxruntime-node';

type OrtModule = typeof Ort;

/** Which engine runs inference, and why when it is not ONNX Runtime. */
export interface InferenceEngineInfo {
  name: 'onnxruntime' | 'tfjs';
  /** ONNX Runtime's version, or why it did not load. */
  detail: string;
}

export type InferenceEngineOption = 'auto' | 'onnxruntime' | 'tfjs';

let loading: Promise<{ ort: OrtModule | null; info: InferenceEngineInfo }> | null = null;
let isCudaWanted = false;

/**
 * Asks for ONNX Runtime's CUDA execution provider (GPU hosts whose onnxruntime-node install
 * fetched it, see docker/worker-gpu.Dockerfile); without it, or when it does not start, CPU.
 * Call before the first inference.
 */
export function useOnnxCuda(enabled: boolean): void {
  isCudaWanted = enabled;
  loading = null;
}

/** A one-node graph: opening a session on it tells whether the CUDA provider starts. */
function probeModel(): Uint8Array {
  const graph = new OnnxGraph();
  const output = graph.node('Identity', [graph.uniqueName('input')], 'output');
  return graph.toModel('probe', [{ name: 'input', dims: [1] }], [{ name: output, dims: [1] }]);
}

let providers: string[] = ['cpu'];

async function chooseProviders(ort: OrtModule): Promise<string> {
  const version = `ONNX Runtime ${ort.env.versions.node ?? ''}`.trim();
  providers = ['cpu'];
  if (!isCudaWanted) return `${version} on CPU`;
  try {
    const probe = await ort.InferenceSession.create(probeModel(), {
      executionProviders: ['cuda', 'cpu'],
    });
    await probe.release();
    providers = ['cuda', 'cpu'];
    return `${version} on CUDA`;
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `${version} on CPU (the CUDA provider did not start: ${why})`;
  }
}

function loadOrt() {
  loading ??= import('onnxruntime-node').then(
    async (ort) => ({
      ort: ort as OrtModule,
      info: { name: 'onnxruntime' as const, detail: await chooseProviders(ort as OrtModule) },
    }),
    (error: unknown) => ({
      ort: null,
      info: {
        name: 'tfjs' as const,
        detail: `onnxruntime-node did not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      },
    }),
  );
  return loading;
}

/** The engine inference uses here by default: ONNX Runtime when it loads, else tfjs. */
export async function inferenceEngine(): Promise<InferenceEngineInfo> {
  return (await loadOrt()).info;
}

/** Whether `option` means ONNX Runtime on this machine ('auto': when it loads). */
export async function usesOnnxRuntime(option: InferenceEngineOption = 'auto'): Promise<boolean> {
  if (option === 'tfjs') return false;
  const { ort, info } = await loadOrt();
  if (ort == null && option === 'onnxruntime')
    throw new Error(`The ONNX Runtime inference engine was asked for, but ${info.detail}.`);
  return ort != null;
}

export interface OnnxForward {
  /** The model's output for a batch of NHWC images; `x` is read, not disposed. */
  forward(x: tf.Tensor): Promise<tf.Tensor>;
  /**
   * The same on a batch's values as an array, no tensor on either side. Takes `values` over:
   * a session in a worker thread moves their buffer there.
   */
  forwardValues(values: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** Frees the session. Idempotent. */
  close(): Promise<void>;
}

/**
 * An ONNX Runtime session on `model` as its weights are now (converted once here; a model
 * whose weights change needs a new one), or on ONNX bytes toOnnx wrote. `threads` caps ONNX
 * Runtime's intra-op threads. `inWorker` opens it in a worker thread: ONNX Runtime's run blocks
 * its caller's thread, and a stream of batches is faster when the next one is prepared meanwhile.
 */
export async function openOnnxForward(
  model: tfl.LayersModel | Uint8Array,
  options: { threads?: number; inWorker?: boolean } = {},
): Promise<OnnxForward> {
  const { ort, info } = await loadOrt();
  if (ort == null) throw new Error(`Inference on ONNX Runtime is not possible: ${info.detail}.`);
  const bytes = model instanceof Uint8Array ? model : toOnnx(model);
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    ...(options.threads != null ? { intraOpNumThreads: options.threads } : {}),
    interOpNumThreads: 1,
    // 'all' adds the NCHWc layout kernels: 1.9–2.5× the images a second of 'extended' on the
    // MobileNetV2s, for sums rounded differently (outputs within ~1e-5 of tfjs's, not ~1e-6).
    graphOptimizationLevel: 'all',
  };
  // Its threads sleep instead of spinning between runs: the main thread needs the core then
  // (the feature cache built 16 % faster so).
  if (options.inWorker)
    return openInWorker(bytes, {
      ...sessionOptions,
      extra: { session: { 'intra_op.allow_spinning': '0' } },
    });
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  let closed: Promise<void> | null = null;
  return {
    async forward(x) {
      const input = new ort.Tensor('float32', await x.data<'float32'>(), x.shape);
      const out = (await session.run({ input })).output!;
      return tf.tensor(out.data as Float32Array, out.dims as number[]);
    },
    async forwardValues(values, shape) {
      const input = new ort.Tensor('float32', values, [...shape]);
      return (await session.run({ input })).output!.data as Float32Array;
    },
    close: () => (closed ??= session.release()),
  };
}

const ORT_WORKER_URL = new URL('./ort-worker-entry.mjs', import.meta.url);
let workerJobs = 0;

async function openInWorker(
  bytes: Uint8Array,
  options: Ort.InferenceSession.SessionOptions,
): Promise<OnnxForward> {
  const worker = new RequestWorker<OrtRequest, OrtReply>(
    'The ONNX Runtime worker',
    ORT_WORKER_URL,
    null,
  );
  try {
    await worker.request({ job: ++workerJobs, type: 'open', model: bytes, options });
  } catch (error) {
    await worker.terminate('failed to open its session');
    throw error;
  }
  const run = async (input: Float32Array, shape: readonly number[]) => {
    const reply = await worker.request(
      { job: ++workerJobs, type: 'run', input, shape: [...shape] },
      [input.buffer as ArrayBuffer],
    );
    return { data: reply.output!, dims: reply.dims! };
  };
  let closed: Promise<void> | null = null;
  return {
    async forward(x) {
      const { data, dims } = await run((await x.data<'float32'>()).slice(), x.shape);
      return tf.tensor(data, dims);
    },
    async forwardValues(values, shape) {
      // A buffer shared with other arrays cannot move on its own.
      const own = values.byteLength === values.buffer.byteLength ? values : values.slice();
      return (await run(own, shape)).data;
    },
    close: () => (closed ??= worker.terminate('was closed')),
  };
}
