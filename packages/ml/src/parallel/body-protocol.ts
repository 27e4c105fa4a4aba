import type * as tf from '@tensorflow/tfjs-core';

/** The backends a body worker can start (the native ones already use every core). */
export type PoolBackend = 'wasm' | 'cpu';

export interface BodyWorkerData {
  backend: PoolBackend;
}

/** Main thread → body worker; every request gets one reply with its job number. */
export type BodyRequest =
  | { type: 'load'; job: number; model: number; artifacts: tf.io.ModelArtifacts }
  | { type: 'run'; job: number; model: number; input: Float32Array; shape: number[] }
  | { type: 'unload'; job: number; model: number };

export interface BodyReply {
  job: number;
  /** The model's output for a run. */
  output?: Float32Array;
  shape?: number[];
  /** Why the request failed. */
  error?: string;
}
