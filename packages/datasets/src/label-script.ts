import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DatasetError, formatCount } from './errors';
import type { ScriptLabelConfig } from './label-script-quickjs';
import type { ScriptWorkerReply } from './label-script-worker';
import { buildLabelResult, type LabelResult } from './label-result';

export type { ScriptLabelConfig } from './label-script-quickjs';

// Starting a thread, loading QuickJS and compiling the user's code, on a busy machine.
const START_ALLOWANCE_MS = 5_000;
// The thread's own JavaScript heap; QuickJS's heap lives in wasm memory under its own cap.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };
// Resolved from this file at run time (not bundled), so the worker always loads the source next to it.
const WORKER_PATH = join(dirname(fileURLToPath(import.meta.url)), 'label-script-worker.ts');

/**
 * fastai `from_name_func` for user code, without `eval`, `new Function` or `vm` on the host:
 * the code runs inside QuickJS (wasm) on a worker thread. QuickJS gives isolation (no
 * `process`, `require`, file system or network) and per-call time and memory limits; the
 * thread gives a wall-clock limit nothing inside can outlast (the thread is terminated) and
 * keeps the caller's event loop free while the function runs.
 */
export async function labelByScript(
  paths: string[],
  config: ScriptLabelConfig,
): Promise<LabelResult> {
  const totalMs = config.timeLimitTotalMs ?? 2000;
  const hardLimitMs = totalMs + START_ALLOWANCE_MS;
  const reply = await runInWorker({ paths, config }, hardLimitMs);
  if (!reply.ok) {
    throw new DatasetError(reply.code ?? 'SCRIPT_INVALID', reply.message, reply.details ?? {});
  }
  return buildLabelResult(new Map(reply.labels), reply.unlabelled);
}

function runInWorker(
  input: { paths: string[]; config: ScriptLabelConfig },
  hardLimitMs: number,
): Promise<ScriptWorkerReply> {
  // The package is consumed from TypeScript source: the thread registers tsx before loading it.
  const bootstrap =
    `import('tsx/esm/api').then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(pathToFileURL(WORKER_PATH).href)}); })`;
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData: input,
    resourceLimits: WORKER_LIMITS,
    stdout: true,
    stderr: true,
  });
  return new Promise<ScriptWorkerReply>((resolve) => {
    let isSettled = false;
    const settle = (reply: ScriptWorkerReply): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(reply);
    };
    const timer = setTimeout(
      () =>
        settle({
          ok: false,
          code: 'SCRIPT_TIMEOUT',
          message:
            `The label function was stopped: labelling ${formatCount(input.paths.length)} file${input.paths.length === 1 ? '' : 's'} took longer than ` +
            `${formatCount(hardLimitMs)} ms. Something inside it cannot be interrupted (for example a huge ` +
            "'x'.repeat(…) in a loop); simplify it, or use a regex or rule instead.",
          details: { limitMs: hardLimitMs },
        }),
      hardLimitMs,
    );
    worker.once('message', (reply: ScriptWorkerReply) => settle(reply));
    worker.once('error', (error: Error & { code?: string }) =>
      settle(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? {
              ok: false,
              code: 'SCRIPT_OUT_OF_MEMORY',
              message: `The label function ran out of memory (${error.message}). Avoid building large strings or arrays.`,
            }
          : { ok: false, message: `The label function's sandbox failed: ${error.message}.` },
      ),
    );
    worker.once('exit', (code) =>
      settle({
        ok: false,
        message: `The label function's sandbox stopped unexpectedly (exit code ${code}).`,
      }),
    );
  });
}
