// Forward passes that do not train (feature cache, validation, predictions) on ONNX Runtime when
// its native package loads here, with the tfjs model's weights of the moment.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { toOnnx } from './index';

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

function loadOrt() {
  loading ??= import('onnxruntime-node').then(
    (ort) => ({
      ort: ort as OrtModule,
      info: {
        name: 'onnxruntime' as const,
        detail: `ONNX Runtime ${ort.env.versions.node ?? ''}`.trim(),
      },
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
