/**
 * Entry of an ONNX Runtime worker thread (onnx-forward.ts): one session, opened on the bytes the
 * main thread sends, run on the batches it is given. ONNX Runtime's run blocks the thread that
 * calls it; here it blocks this one, so the main thread prepares the next batch meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { serveRequests } from '../parallel/request-worker';
import type { OrtReply, OrtRequest } from './ort-protocol';

let session: ort.InferenceSession | null = null;

serveRequests<OrtRequest, OrtReply>(parentPort!, async (request) => {
  const { job } = request;
  if (request.type === 'open') {
    session = await ort.InferenceSession.create(request.model, request.options);
    return { reply: { job } };
  }
  if (session == null) throw new Error('no ONNX Runtime session is open in this worker');
  if (request.type === 'close') {
    await session.release();
    session = null;
    return { reply: { job } };
  }
  const input = new ort.Tensor('float32', request.input, request.shape);
  const out = (await session.run({ input })).output!;
  const data = out.data as Float32Array;
  const output = data.byteLength === data.buffer.byteLength ? data : data.slice();
  return {
    reply: { job, output, dims: out.dims as number[] },
    transfer: [output.buffer as ArrayBuffer],
  };
});
