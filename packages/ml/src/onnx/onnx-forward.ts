// Forward passes that do not train (feature cache, validation, predictions) on ONNX Runtime when
// its native package loads here, with the tfjs model's weights of the moment.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { toOnnx } from './index';
import { OnnxGraph } from './onnx-graph';

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
  /** Frees the session. Idempotent. */
  close(): Promise<void>;
}

/**
 * An ONNX Runtime session on `model` as its weights are now (converted once here; a model
 * whose weights change needs a new one), or on ONNX bytes toOnnx wrote. `threads` caps ONNX
 * Runtime's intra-op threads.
 */
export async function openOnnxForward(
  model: tfl.LayersModel | Uint8Array,
  options: { threads?: number } = {},
): Promise<OnnxForward> {
  const { ort, info } = await loadOrt();
  if (ort == null) throw new Error(`Inference on ONNX Runtime is not possible: ${info.detail}.`);
  const bytes = model instanceof Uint8Array ? model : toOnnx(model);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: providers,
    ...(options.threads != null ? { intraOpNumThreads: options.threads } : {}),
    interOpNumThreads: 1,
    // 'all' adds NCHWc layout kernels whose sums round differently: probabilities then move by
    // ~1e-5 against tfjs; 'extended' keeps every fusion and stays within ~1e-6.
    graphOptimizationLevel: 'extended',
  });
  let closed: Promise<void> | null = null;
  return {
    async forward(x) {
      const input = new ort.Tensor('float32', await x.data<'float32'>(), x.shape);
      const out = (await session.run({ input })).output!;
      return tf.tensor(out.data as Float32Array, out.dims as number[]);
    },
    close: () => (closed ??= session.release()),
  };
}
