import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from '../kernels/register-training-kernels';
import {
  wasmThreadsFor,
  withoutWasmThreads,
  withWasmThreads,
  type WasmThreadsOption,
} from './wasm-threads';

export type { WasmThreadsOption } from './wasm-threads';

/** The backends the studio can train on, best first. */
export const BACKEND_CHOICES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface BackendFailure {
  name: BackendChoice;
  error: string;
}

export interface BackendInfo {
  /** The studio's name for the backend in use. */
  name: BackendChoice;
  /** The name tfjs knows it by (`tf.getBackend()`); both native packages register 'tensorflow'. */
  tfjsName: string;
  /** Why this one: requested or first that loaded, plus what was loaded. */
  reason: string;
  /** Better backends that were tried first and could not be used, in the order tried. */
  fallbacks: BackendFailure[];
  /** Threads its kernels use (wasm's XNNPACK pool, 1 for cpu); null where the library decides. */
  threads: number | null;
}

export interface InitBackendOptions {
  /**
   * Start the search here instead of at the best backend; if it cannot load, the simpler
   * ones after it are tried (never better ones, which the caller chose to skip).
   */
  prefer?: BackendChoice;
  /**
   * Threads of the wasm backend's XNNPACK pool (convolutions and matrix products split their
   * work over them): 'auto' (every core, at most 4) or a number. The process's first
   * initialisation decides. Default 1, tfjs's own setup in Node: the learner uses the cores
   * through worker threads instead (FitOptions.threads), which measured as fast on a 2-core
   * machine and splits a batch's memory over two wasm heaps.
   */
  wasmThreads?: WasmThreadsOption;
  log?: (msg: string) => void;
}

interface Candidate {
  tfjsName: string;
  /** Loads the package (registering its backend) and returns what to say about it. */
  load: () => Promise<string>;
}

/**
 * Specifiers held in variables so TypeScript and bundlers do not require the optional
 * native packages to exist; they are optionalDependencies that fail to install without
 * libtensorflow, and their absence is the normal case here.
 */
const NODE_GPU_PACKAGE: string = '@tensorflow/tfjs-node-gpu';
const NODE_PACKAGE: string = '@tensorflow/tfjs-node';

const CANDIDATES: Record<BackendChoice, Candidate> = {
  'tensorflow-gpu': { tfjsName: 'tensorflow', load: () => loadNative(NODE_GPU_PACKAGE) },
  tensorflow: { tfjsName: 'tensorflow', load: () => loadNative(NODE_PACKAGE) },
  wasm: { tfjsName: 'wasm', load: loadWasm },
  cpu: {
    tfjsName: 'cpu',
    load: async () => {
      await import('@tensorflow/tfjs-backend-cpu');
      return '@tensorflow/tfjs-backend-cpu (plain JavaScript, slow)';
    },
  },
};

async function loadNative(specifier: string): Promise<string> {
  await import(specifier);
  // A native package built against another copy of tfjs-core registers its backend there.
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(
      `${specifier} loaded but registered no 'tensorflow' backend in this @tensorflow/tfjs-core`,
    );
  }
  return specifier;
}

async function loadWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const distDir = await findWasmDistDir();
  // In plain Node the package finds its .wasm next to its own bundle; pointing at the dist
  // folder explicitly keeps that working when this code is bundled elsewhere. (After the
  // backend has initialised the prefix is simply unused.)
  if (distDir != null) wasm.setWasmPaths(distDir);
  registerTrainingKernels();
  return '@tensorflow/tfjs-backend-wasm with studio training kernels';
}

/** The folder holding tfjs-backend-wasm's .wasm binaries (with trailing slash), or null outside Node. */
async function findWasmDistDir(): Promise<string | null> {
  try {
    const { createRequire } = await import('node:module');
    const { existsSync } = await import('node:fs');
    const path = await import('node:path');
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(entry);
    return existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) ? dir + path.sep : null;
  } catch {
    return null;
  }
}

async function threadsOf(name: BackendChoice): Promise<number | null> {
  if (name === 'cpu') return 1;
  if (name !== 'wasm') return null;
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return getThreadsCount();
}

async function describeWasm(): Promise<string> {
  const hasSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return `SIMD ${hasSimd ? 'on' : 'off'}, ${getThreadsCount()} thread(s)`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** "not installed" for an optional package that is absent (the normal case), else the error. */
function shortReason(error: string): string {
  return /Cannot find (package|module)/.test(error) ? 'not installed' : error;
}

async function selectBackend(options: InitBackendOptions): Promise<BackendInfo> {
  const log = options.log ?? (() => {});
  const start = options.prefer == null ? 0 : BACKEND_CHOICES.indexOf(options.prefer);
  if (start < 0) {
    throw new Error(
      `Unknown backend '${String(options.prefer)}'. Expected one of: ${BACKEND_CHOICES.join(', ')}.`,
    );
  }
  const fallbacks: BackendFailure[] = [];
  for (const name of BACKEND_CHOICES.slice(start)) {
    const candidate = CANDIDATES[name];
    try {
      let loaded = await candidate.load();
      const started =
        name === 'wasm'
          ? await startWasm(wasmThreadsFor(options.wasmThreads ?? 1), log)
          : await tf.setBackend(candidate.tfjsName);
      if (!started) {
        throw new Error(`tf.setBackend('${candidate.tfjsName}') failed to initialise it`);
      }
      if (name === 'wasm') loaded += ` (${await describeWasm()})`;
      const why =
        options.prefer != null && fallbacks.length === 0
          ? `requested (prefer: '${options.prefer}')`
          : fallbacks.length === 0
            ? 'best available'
            : `first that loaded after ${fallbacks.map((f) => `${f.name} (${shortReason(f.error)})`).join(', ')}`;
      const info: BackendInfo = {
        name,
        tfjsName: candidate.tfjsName,
        reason: `${why}; ${loaded}`,
        fallbacks,
        threads: await threadsOf(name),
      };
      // One line, once: the backends that could not load are part of why, not errors.
      log(`tfjs backend: ${name} (${info.reason})`);
      return info;
    } catch (error) {
      fallbacks.push({ name, error: firstLine(error) });
    }
  }
  throw new Error(
    `No tfjs backend could be initialised. Tried: ${fallbacks.map((f) => `${f.name} (${f.error})`).join('; ')}. ` +
      `The cpu backend needs only @tensorflow/tfjs-backend-cpu; check that it is installed.`,
  );
}

/**
 * Starts the wasm backend with a pool of `threads` threads; when the threaded build cannot
 * start here, says why and starts the single-threaded one.
 */
async function startWasm(threads: number, log: (msg: string) => void): Promise<boolean> {
  if (threads === 1) return tf.setBackend('wasm');
  let failure: string;
  try {
    if (await withWasmThreads(threads, () => tf.setBackend('wasm'))) return true;
    failure = `tf.setBackend('wasm') failed to initialise it`;
  } catch (error) {
    failure = firstLine(error);
  }
  log(`tfjs backend wasm: ${threads} threads unavailable (${failure}); using one thread`);
  await withoutWasmThreads();
  return tf.setBackend('wasm');
}

/** One selection per preference, shared by concurrent and later callers. */
const selections = new Map<BackendChoice | 'best', Promise<BackendInfo>>();

/**
 * Picks the best available tfjs backend (tfjs-node-gpu → tfjs-node → wasm → cpu), makes it
 * the active one and logs the choice. Idempotent: calling again with the same preference
 * returns the same result (re-activating that backend if another call switched away).
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const key = options.prefer ?? 'best';
  let selection = selections.get(key);
  if (selection == null) {
    selection = selectBackend(options);
    selections.set(key, selection);
    selection.catch(() => selections.delete(key));
  }
  const info = await selection;
  if (tf.getBackend() !== info.tfjsName) await tf.setBackend(info.tfjsName);
  return info;
}
