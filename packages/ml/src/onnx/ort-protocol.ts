/** Messages between onnx-forward.ts and an ONNX Runtime worker thread (ort-worker.ts). */
import type { InferenceSession } from 'onnxruntime-node';
import type { WorkerReply, WorkerRequest } from '../parallel/request-worker';

export type OrtRequest =
  | (WorkerRequest & {
      type: 'open';
      model: Uint8Array;
      options: InferenceSession.SessionOptions;
    })
  | (WorkerRequest & { type: 'run'; input: Float32Array; shape: number[] })
  | (WorkerRequest & { type: 'close' });

export interface OrtReply extends WorkerReply {
  output?: Float32Array;
  dims?: number[];
}
