/**
 * Entry of a body worker thread (body-pool.ts): its own tfjs backend, the same the main thread
 * uses (wasm with the studio's kernels, or cpu), and the models the main thread sends it, run in
 * inference mode on the batches it is given.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../backend/init-backend';
import type { BodyReply, BodyRequest, BodyWorkerData } from './body-protocol';
import { serveRequests } from './request-worker';

const port = parentPort!;
const { backend } = workerData as BodyWorkerData;
const models = new Map<number, tfl.LayersModel>();

// One thread each: the pool runs one worker per core.
const ready = initBackend({ prefer: backend, wasmThreads: 1 }).then((info) => {
  if (info.name !== backend) {
    throw new Error(
      `the worker could not start the ${backend} backend (${info.fallbacks.map((f) => f.error).join('; ')})`,
    );
  }
});

async function handle(request: BodyRequest): Promise<BodyReply> {
  await ready;
  const { job } = request;
  if (request.type === 'load') {
    models.set(request.model, await tfl.loadLayersModel(tf.io.fromMemory(request.artifacts)));
    return { job };
  }
  if (request.type === 'unload') {
    models.get(request.model)?.dispose();
    models.delete(request.model);
    return { job };
  }
  const model = models.get(request.model);
  if (model == null) throw new Error(`model ${request.model} is not loaded in this worker`);
  // execute, not predict: a fully convolutional body takes other sizes than the one it was
  // built for, which predict's input check refuses (the main thread runs it the same way).
  const y = tf.tidy(
    () =>
      model.execute(tf.tensor(request.input, request.shape), model.outputs[0]!.name) as tf.Tensor,
  );
  const values = (await y.data()) as Float32Array;
  const shape = y.shape;
  y.dispose();
  // Backends may hand out a view of a larger buffer; the reply transfers a buffer of its own.
  const output = values.byteLength === values.buffer.byteLength ? values : values.slice();
  return { job, output, shape };
}

serveRequests<BodyRequest, BodyReply>(port, async (request) => {
  const reply = await handle(request);
  return { reply, transfer: reply.output == null ? [] : [reply.output.buffer as ArrayBuffer] };
});
