import type * as tf from '@tensorflow/tfjs-core';
import type { MicroBatchOption } from '../training/micro-batch';
import type { TrainingLayersOptions } from '../training/training-layers';
import type { PoolBackend } from './body-protocol';

/** Where one weight lives in the shared weights buffer (float32 offsets). */
export interface WeightSlot {
  /** "<layer>/<weight>", as the learner saves it. */
  key: string;
  offset: number;
  shape: number[];
}

/** What a training worker needs to hold a replica of the main thread's training model. */
export interface ReplicaSpec {
  /** Topology and the weights at the start of the fit. */
  artifacts: tf.io.ModelArtifacts;
  /**
   * The weights the main thread changes between steps, written there before every step: the
   * optimiser's parameters, then the BatchNorm running statistics.
   */
  weights: SharedArrayBuffer;
  /** The optimiser's parameters: the worker returns their gradients. */
  params: WeightSlot[];
  /** BatchNorm running statistics: the worker returns them as its half-batch left them. */
  statistics: WeightSlot[];
  classes: number;
  /**
   * installTrainingLayers's options, as the main thread's model has them, but for the seed of
   * this replica's dropout masks; the dropout calls come with each step.
   */
  trainingLayers: Omit<TrainingLayersOptions, 'dropoutCalls'>;
  microBatch: MicroBatchOption;
  /**
   * The head's layers (whole-batch-head.ts) when the main thread runs the head over the whole
   * batch: the worker then computes its share's body features and body gradients only.
   */
  headLayers: string[] | null;
}

export interface TrainWorkerData {
  backend: PoolBackend;
}

/** Main thread → training worker; every request gets one reply with its job number. */
export type TrainRequest =
  | { type: 'load'; job: number; replica: ReplicaSpec }
  | {
      type: 'step';
      job: number;
      x: Float32Array;
      shape: number[];
      y: Int32Array;
      /** Training calls per seeded Dropout layer so far: where this step's masks continue. */
      dropoutCalls: Record<string, number>;
    }
  | {
      /** Phase 1 of a split step: the share's body features; the worker keeps the images. */
      type: 'features';
      job: number;
      x: Float32Array;
      shape: number[];
    }
  | {
      /** Phase 3: body gradients of the images of the last 'features', from the features' gradient. */
      type: 'backward';
      job: number;
      dFeatures: Float32Array;
      shape: number[];
    }
  | {
      /** The replica's logits for images in inference mode (validation, predictions). */
      type: 'infer';
      job: number;
      x: Float32Array;
      shape: number[];
      /** Read the shared weights first: the main thread wrote them since this worker last did. */
      readWeights: boolean;
    };

export interface TrainReply {
  job: number;
  /** A step's mean loss over its images. */
  loss?: number;
  /** Gradients of the mean loss, one per `params` slot (null: the loss does not reach it). */
  grads?: (Float32Array | null)[];
  /** Running statistics after the step, one per `statistics` slot. */
  statistics?: Float32Array[];
  dropoutCalls?: Record<string, number>;
  /** A share's body features, row-major, and their shape. */
  features?: Float32Array;
  featureShape?: number[];
  /** An inference's logits, row-major [images, classes]. */
  logits?: Float32Array;
  error?: string;
}
