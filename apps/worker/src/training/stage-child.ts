// The training process of one stage, forked by the worker (see fork-stage.ts). It exits when
// its parent goes away, so a killed worker never leaves training running unowned.
import { createDb, isConnectionLoss, PostgresBlobStore } from '@studio/db';
import { initBackend, liveTensorCount, useOnnxCuda } from '@studio/ml';
import { readEnv } from '@studio/shared';
import { DATABASE_UNREACHABLE_EXIT, type ChildMessage, type ParentMessage } from './messages';
import { runStage } from './run-stage';
import { workerCacheDir } from '../jobs/sweep-pixel-cache';

// wasm traps that follow a failed allocation: in a worker thread a step's OOM surfaces as one of
// these inside the training pool's message.
const OOM =
  /out of memory|\bOOM\b|Maximum memory size|Array buffer allocation failed|Cannot allocate|WebAssembly\.Memory|memory access out of bounds|table index is out of bounds|\bAborted\(/i;

const stageId = process.argv[2]!;
const env = readEnv();
const log = (message: string) => console.log(`[stage ${stageId.slice(0, 8)}] ${message}`);
const send = (message: ChildMessage) => {
  // The parent may be gone (killed); then there is no one to tell and the process exits on disconnect.
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};
let isCancelled = false;
let isStopping = false;
// Either message ends the fit between batches; the flags say which outcome to report.
const stop = new AbortController();
process.on('message', (message: ParentMessage) => {
  if (message.type === 'cancel') isCancelled = true;
  if (message.type === 'stop') isStopping = true;
  if (isCancelled || isStopping) stop.abort(isCancelled ? 'cancelled' : 'worker stopping');
});
process.on('disconnect', () => process.exit(70));
process.on('error', () => process.exit(70));
// SIGTERM/SIGINT reach the whole process group; the parent decides and tells us over IPC.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);

const db = createDb(env.DATABASE_URL, { max: 3 });
const blobs = new PostgresBlobStore(db);
let outcome: ChildMessage;
try {
  // The worker said at start which backend it uses and why; every stage picks the same one.
  const backend = await initBackend({
    prefer: env.STUDIO_BACKEND,
    wasmThreads: env.STUDIO_WASM_THREADS,
  });
  useOnnxCuda(env.STUDIO_ONNX_CUDA === '1');
  outcome = await runStage(
    {
      db,
      blobs,
      backend: backend.name,
      paths: {
        pretrainedDir: env.STUDIO_PRETRAINED_DIR,
        cacheDir: workerCacheDir(env.STUDIO_CACHE_DIR),
      },
      send: (event) => send({ type: 'event', event }),
      log,
      signal: stop.signal,
      isCancelled: () => isCancelled,
      isStopping: () => isStopping,
    },
    stageId,
  );
  // Every tensor of the stage is freed by now; what is left would pile up in a longer-lived process.
  const tensorsLeft = liveTensorCount();
  if (tensorsLeft > 0) log(`${tensorsLeft} tensors still allocated after the stage`);
  if (outcome.type === 'done') outcome = { ...outcome, result: { ...outcome.result, tensorsLeft } };
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  log(`failed: ${error instanceof Error ? error.stack : message}`);
  // The database stayed away longer than the writes wait: not the stage's fault, so no outcome;
  // the parent treats the exit as a crash and the stage resumes from its checkpoint later.
  if (isConnectionLoss(error)) process.exit(DATABASE_UNREACHABLE_EXIT);
  const isOom = OOM.test(message);
  outcome = {
    type: 'failed',
    message: isOom ? `Out of memory while training (${message}).` : message,
    kind: isOom ? 'oom' : 'error',
  };
}
send(outcome);
await db.$disconnect().catch(() => undefined);
process.disconnect?.();
process.exit(0);
