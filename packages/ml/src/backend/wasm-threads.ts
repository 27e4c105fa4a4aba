/**
 * XNNPACK's thread pool for the wasm backend in Node. tfjs-backend-wasm ships a threaded SIMD
 * build whose convolutions and matrix products split their work over a pool of pthreads, but
 * it only turns it on in browsers: in Node the pthread workers' script comes as a Blob URL,
 * which Node's Worker cannot open, and the pool's size is half of `os.cpus()` (one thread on
 * a 2-core machine). `withWasmThreads` sets up the backend's initialisation so it works in
 * Node:
 * - the pthread worker script is written to a file once, with its module loading pointed at
 *   the package's own threaded build instead of a Blob;
 * - while the backend initialises, Blob URLs of JavaScript resolve to that file, and the
 *   logical core count the build reads is doubled so the pool gets the threads asked for.
 * Both overrides are undone as soon as the backend is up.
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** Threads of the wasm backend: a number, or 'auto' (every core, at most 4). */
export type WasmThreadsOption = 'auto' | number;

/** XNNPACK's pool in tfjs-backend-wasm stops at 4 threads; the glue preloads 8 workers. */
const MAX_THREADS = 4;

/** The pool size for an option: 'auto' is min(4, cores). */
export function wasmThreadsFor(option: WasmThreadsOption): number {
  if (option === 'auto') return Math.min(MAX_THREADS, os.availableParallelism());
  if (!Number.isInteger(option) || option < 1 || option > MAX_THREADS) {
    throw new Error(
      `wasmThreads must be 'auto' or an integer from 1 to ${MAX_THREADS}, received ${option}.`,
    );
  }
  return option;
}

/** How the worker script reaches its module loading: the line the patch rewrites. */
const MESSAGE_HOOK = 'parentPort.on("message",data=>onmessage({data:data}))';

/**
 * The pthread worker script as a file: tfjs's script, with a 'load' message's module (a Blob
 * in tfjs's setup) replaced by the path of the package's threaded build. Named after its
 * content, so other versions of the package get their own file.
 */
function workerScriptFile(): string {
  const require = createRequire(import.meta.url);
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  const mainScript =
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  if (!wasmWorkerContents.includes(MESSAGE_HOOK)) {
    throw new Error('this tfjs-backend-wasm pthread worker script has an unknown layout');
  }
  // The script is one line whose string literals hold raw newlines (tfjs escapes them too).
  const script = wasmWorkerContents
    .replace(/\n/g, '\\n')
    .replace(
      MESSAGE_HOOK,
      'parentPort.on("message",data=>onmessage({data:data&&data.cmd==="load"?' +
        `Object.assign(data,{urlOrBlob:${JSON.stringify(mainScript)}}):data}))`,
    );
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `studio-tfjs-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file)) {
    // Written whole and then renamed, so a process starting beside this one never reads half.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Runs `init` (which initialises the wasm backend) with a pool of `threads` XNNPACK threads.
 * Throws before `init` when the package's layout is not the one this code knows.
 */
export async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const file = workerScriptFile();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (blob: Blob) =>
    blob instanceof Blob && blob.type === 'application/javascript' ? file : createObjectURL(blob);
  // The build sizes its pool as min(max(cores / 2, 1), 4) of this count, capped by the request.
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  try {
    const result = await init();
    unrefPoolThreads();
    return result;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

/**
 * The pool's threads run (waiting for work) as long as the backend exists, and Emscripten
 * keeps a running pthread's worker referenced: the process would never exit by itself. The
 * main thread waits for them inside each kernel call, never through the event loop, so they
 * need not hold it.
 */
function unrefPoolThreads(): void {
  const backend = tf.findBackend('wasm') as unknown as {
    wasm?: { PThread?: { runningWorkers?: Array<{ unref?: () => void }> } };
  } | null;
  for (const worker of backend?.wasm?.PThread?.runningWorkers ?? []) worker.unref?.();
}

/** Back to tfjs's own choice in Node (one thread), after a threaded start failed. */
export async function withoutWasmThreads(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
}
