/**
 * Entry of a training worker thread (train-pool.ts): its own tfjs backend, the same the main
 * thread uses (wasm with the studio's kernels, or cpu), and one replica of the learner's model
 * with the learner's training-mode layer calls. Each step takes the weights the main thread
 * wrote to the shared buffer, computes the loss and gradients of its share of the batch, and
 * returns them with the BatchNorm running statistics its share left. Between steps it also
 * computes the logits of its share of validation batches, in inference mode.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { weightKey } from '../training/weight-key';
import { MicroBatcher } from '../training/micro-batch';
import { crossEntropy } from '../training/cross-entropy';
import { installTrainingLayers } from '../training/training-layers';
import { flattenLayers } from '../models/backbone';
import { initBackend } from '../backend/init-backend';
import { serveRequests } from './request-worker';
import { wholeBatchHead, type WholeBatchHead } from '../training/whole-batch-head';
import type {
  ReplicaSpec,
  TrainReply,
  TrainRequest,
  TrainWorkerData,
  WeightSlot,
} from './train-protocol';

const port = parentPort!;
const { backend } = workerData as TrainWorkerData;

// One thread each: the pool runs one worker per core.
const ready = initBackend({ prefer: backend, wasmThreads: 1 }).then((info) => {
  if (info.name !== backend) {
    throw new Error(
      `the worker could not start the ${backend} backend (${info.fallbacks.map((f) => f.error).join('; ')})`,
    );
  }
});

interface Replica {
  model: tfl.LayersModel;
  spec: ReplicaSpec;
  weights: Float32Array;
  params: tfl.LayerVariable[];
  statistics: tfl.LayerVariable[];
  variables: tf.Variable[];
  batcher: MicroBatcher;
  dropoutCalls: Map<string, number>;
  /** The model cut before its head, when the main thread runs the head over whole batches. */
  split: WholeBatchHead | null;
  /** The images of the last 'features' request, for its 'backward'. */
  pending: tf.Tensor | null;
}

let replica: Replica | null = null;

async function load(spec: ReplicaSpec): Promise<Replica> {
  const model = await tfl.loadLayersModel(tf.io.fromMemory(spec.artifacts));
  const layers = flattenLayers(model);
  const byKey = new Map(
    layers.flatMap((layer) => layer.weights.map((w) => [weightKey(layer, w), w] as const)),
  );
  const find = ({ key }: WeightSlot) => {
    const variable = byKey.get(key);
    if (variable == null) throw new Error(`the replica has no weight "${key}"`);
    return variable;
  };
  const paramKeys = new Set(spec.params.map((p) => p.key));
  // Trainable exactly where the main thread's optimiser steps (a frozen layer stays so).
  for (const layer of layers)
    layer.trainable = layer.weights.some((w) => paramKeys.has(weightKey(layer, w)));
  const dropoutCalls = new Map<string, number>();
  installTrainingLayers(layers, { ...spec.trainingLayers, dropoutCalls });
  const params = spec.params.map(find);
  const variables = params.map((p) => p.read() as tf.Variable);
  let split: WholeBatchHead | null = null;
  if (spec.headLayers != null) {
    const byName = new Map(layers.map((layer) => [layer.name, layer]));
    const head = spec.headLayers.map((name) => {
      const layer = byName.get(name);
      if (layer == null) throw new Error(`the replica has no head layer "${name}"`);
      return layer;
    });
    split = wholeBatchHead(model, head, variables, spec.classes);
    if (split == null) throw new Error('the replica cannot run its body apart from its head');
  }
  return {
    model,
    spec,
    weights: new Float32Array(spec.weights),
    params,
    statistics: spec.statistics.map(find),
    variables,
    batcher: new MicroBatcher(spec.microBatch),
    dropoutCalls,
    split,
    pending: null,
  };
}

/** Sets the replica's weights to those the main thread wrote for this step. */
function readSharedWeights(r: Replica): void {
  // The cpu backend keeps the array it is given as the tensor's store: it gets a copy, not a
  // view of memory the main thread writes. wasm copies into its heap anyway.
  const isWasm = tf.getBackend() === 'wasm';
  const slots = [...r.spec.params, ...r.spec.statistics];
  const variables = [...r.params, ...r.statistics];
  slots.forEach(({ offset, shape }, i) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const view = r.weights.subarray(offset, offset + size);
    tf.tidy(() => {
      variables[i]!.write(tf.tensor(isWasm ? view : view.slice(), shape));
    });
  });
}

/** wasm hands out fresh arrays; the cpu backend its own store, which must not move away. */
const own = (a: Float32Array) => (tf.getBackend() === 'wasm' ? a : a.slice());

/** The gradients of the replica's parameters, in slot order (null: none reached it). */
function readGrads(r: Replica, grads: tf.NamedTensorMap): Promise<(Float32Array | null)[]> {
  return Promise.all(
    r.variables.map(async (v) => {
      const g = grads[v.name];
      return g == null ? null : own((await g.data()) as Float32Array);
    }),
  );
}

/** The BatchNorm running statistics as the replica's last forward left them. */
function readStatistics(r: Replica): Promise<Float32Array[]> {
  return Promise.all(
    r.statistics.map(async (s) => ((await s.read().data()) as Float32Array).slice()),
  );
}

async function step(r: Replica, request: Extract<TrainRequest, { type: 'step' }>) {
  readSharedWeights(r);
  r.dropoutCalls.clear();
  for (const [name, calls] of Object.entries(request.dropoutCalls)) r.dropoutCalls.set(name, calls);
  const x = tf.tensor(request.x, request.shape);
  const y = tf.tensor1d(request.y, 'int32');
  const loss = (xs: tf.Tensor, ys: tf.Tensor1D) =>
    tf.tidy(() =>
      crossEntropy(r.model.apply(xs, { training: true }) as tf.Tensor, ys, r.spec.classes),
    );
  try {
    const { value, grads } = await r.batcher.gradients(loss, r.variables, x, y);
    try {
      const gradArrays = await readGrads(r, grads);
      const statistics = await readStatistics(r);
      const reply: TrainReply = {
        job: request.job,
        loss: (await value.data())[0]!,
        grads: gradArrays,
        statistics,
        dropoutCalls: Object.fromEntries(r.dropoutCalls),
      };
      const transfer = [...gradArrays, ...statistics].flatMap((a) =>
        a == null ? [] : [a.buffer as ArrayBuffer],
      );
      return { reply, transfer };
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    tf.dispose([x, y]);
  }
}

async function features(r: Replica, request: Extract<TrainRequest, { type: 'features' }>) {
  if (r.split == null) throw new Error('this replica runs whole steps, not split ones');
  readSharedWeights(r);
  r.pending?.dispose();
  r.pending = tf.tensor(request.x, request.shape);
  const f = await r.batcher.features(r.split, r.pending);
  try {
    const values = own((await f.data()) as Float32Array);
    const statistics = await readStatistics(r);
    const reply: TrainReply = {
      job: request.job,
      features: values,
      featureShape: f.shape,
      statistics,
    };
    return { reply, transfer: [values, ...statistics].map((a) => a.buffer as ArrayBuffer) };
  } finally {
    f.dispose();
  }
}

async function backward(r: Replica, request: Extract<TrainRequest, { type: 'backward' }>) {
  if (r.split == null || r.pending == null)
    throw new Error('no split step is waiting for its backward');
  const x = r.pending;
  r.pending = null;
  const dy = tf.tensor(request.dFeatures, request.shape);
  try {
    const grads = await r.batcher.bodyGradients(r.split, x, dy);
    try {
      const arrays = await readGrads(r, grads);
      const reply: TrainReply = { job: request.job, grads: arrays };
      return {
        reply,
        transfer: arrays.flatMap((a) => (a == null ? [] : [a.buffer as ArrayBuffer])),
      };
    } finally {
      tf.dispose(Object.values(grads));
    }
  } finally {
    tf.dispose([x, dy]);
  }
}

async function infer(r: Replica, request: Extract<TrainRequest, { type: 'infer' }>) {
  if (request.readWeights) readSharedWeights(r);
  const x = tf.tensor(request.x, request.shape);
  try {
    const logits = tf.tidy(() => r.model.apply(x, { training: false }) as tf.Tensor);
    try {
      const values = (await logits.data()) as Float32Array;
      // wasm hands out a fresh array; the cpu backend its own store, which must not move away.
      const own = tf.getBackend() === 'wasm' ? values : values.slice();
      const reply: TrainReply = { job: request.job, logits: own };
      return { reply, transfer: [own.buffer as ArrayBuffer] };
    } finally {
      logits.dispose();
    }
  } finally {
    x.dispose();
  }
}

serveRequests<TrainRequest, TrainReply>(port, async (request) => {
  await ready;
  if (request.type === 'load') {
    replica?.model.dispose();
    replica = await load(request.replica);
    return { reply: { job: request.job } };
  }
  if (replica == null) throw new Error('no replica is loaded in this worker');
  switch (request.type) {
    case 'infer':
      return infer(replica, request);
    case 'features':
      return features(replica, request);
    case 'backward':
      return backward(replica, request);
    default:
      return step(replica, request);
  }
});
