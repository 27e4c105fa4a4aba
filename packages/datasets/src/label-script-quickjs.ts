import {
  newQuickJSWASMModule,
  newVariant,
  RELEASE_SYNC,
  type CustomizeVariantOptions,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { DatasetError, formatCount, quoteName } from './errors';
import {
  buildLabelResult,
  type Label,
  type LabelResult,
  type UnlabelledFile,
} from './label-result';
import { getBasename } from './path-parts';

/** A user-written label function, run in a QuickJS interpreter compiled to WebAssembly. */
export interface ScriptLabelConfig {
  /** A function expression, called as `fn(name, path)`: `(name) => name[0] === name[0].toUpperCase() ? 'cat' : 'dog'`. */
  source: string;
  /** Per call. Default 50 ms. */
  timeLimitPerCallMs?: number;
  /** For all files together. Default 2,000 ms (about 40,000 simple calls). */
  timeLimitTotalMs?: number;
  /** Memory for the function's data, on top of the interpreter's own. Default 32 MiB. */
  memoryLimitBytes?: number;
}

// Compiling the user's code gets more time than a call: it is done once, and on a loaded
// machine the first evaluation also pays for V8 compiling the interpreter's wasm lazily.
const LOAD_TIME_LIMIT_MS = 1000;
const WASM_PAGE_BYTES = 64 * 1024;
// Node has WebAssembly at run time; the project's type libraries (no DOM) do not declare it.
const WasmMemory = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (size: {
        initial: number;
        maximum: number;
      }) => NonNullable<CustomizeVariantOptions['wasmMemory']>;
    };
  }
).WebAssembly.Memory;
// The interpreter itself (runtime, context, built-ins) before any user data.
const INTERPRETER_BYTES = 16 * 1024 * 1024;

/**
 * Loads a QuickJS whose wasm memory cannot grow past the limit, and runs one trivial call so
 * later time limits measure user code. The wasm maximum is the real memory cap: this build's
 * own `setMemoryLimit` undercounts (it cannot see allocation sizes), so a loop of
 * `new Array(1e5)` passed a 32 MiB limit at 1.5 GB. At the maximum, allocations fail cleanly
 * with "out of memory" and the interpreter stays usable.
 */
async function loadQuickJS(memoryLimitBytes: number): Promise<QuickJSWASMModule> {
  const maximum = Math.ceil((memoryLimitBytes + INTERPRETER_BYTES) / WASM_PAGE_BYTES);
  const wasmMemory = new WasmMemory({
    initial: INTERPRETER_BYTES / WASM_PAGE_BYTES,
    maximum,
  });
  const quickjs = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory }));
  quickjs.evalCode('((name) => String(name).split("_")[0].toLowerCase())("Warm_up")');
  return quickjs;
}

const MAX_LABEL_LENGTH = 200;
// QuickJS checks its own stack against this. Its frames also use the host thread's native
// stack, so the limit must be reached well before the host's, or the host's RangeError
// unwinds through the interpreter and leaves it corrupt (measured: 512 KiB is too much).
const MAX_STACK_BYTES = 128 * 1024;

/**
 * The label function inside QuickJS (wasm), which has no `process`, `require`, file system or
 * network, under an interrupt deadline and a memory cap. A call that throws leaves that file
 * unlabelled; running out of time or memory stops the whole labelling with an error.
 * `labelByScript` runs this on a worker thread: the interrupt deadline is only polled between
 * bytecodes, so a slow built-in (`'x'.repeat(1e7)` in a loop) can outlast it.
 */
export async function runLabelScript(
  paths: string[],
  config: ScriptLabelConfig,
): Promise<LabelResult> {
  const perCallMs = config.timeLimitPerCallMs ?? 50;
  const totalMs = config.timeLimitTotalMs ?? 2000;
  const memoryLimitBytes = config.memoryLimitBytes ?? 32 * 1024 * 1024;
  const quickjs = await loadQuickJS(memoryLimitBytes);
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(memoryLimitBytes);
  runtime.setMaxStackSize(MAX_STACK_BYTES);
  let deadline = 0;
  runtime.setInterruptHandler(() => performance.now() > deadline);
  const context = runtime.newContext();
  let fn: QuickJSHandle | undefined;
  try {
    deadline = performance.now() + LOAD_TIME_LIMIT_MS;
    fn = compileFunction(context, config.source);
    // The total budget covers the calls only, so a slow first load does not eat into it.
    const started = performance.now();
    const labels = new Map<string, Label>();
    const unlabelled: UnlabelledFile[] = [];
    for (const [index, path] of paths.entries()) {
      deadline = Math.min(performance.now() + perCallMs, started + totalMs);
      const outcome = callLabelFunction(context, fn, path);
      if (outcome.kind === 'label') labels.set(path, outcome.label);
      else if (outcome.kind === 'unlabelled') unlabelled.push({ path, reason: outcome.reason });
      else
        throw describeFatal(outcome.error, path, index, paths.length, {
          perCallMs,
          totalMs,
          elapsedMs: performance.now() - started,
        });
    }
    return buildLabelResult(labels, unlabelled);
  } finally {
    fn?.dispose();
    context.dispose();
    runtime.dispose();
  }
}

type CallOutcome =
  | { kind: 'label'; label: Label }
  | { kind: 'unlabelled'; reason: string }
  | { kind: 'fatal'; error: GuestError };
interface GuestError {
  name: string;
  message: string;
}

function compileFunction(context: QuickJSContext, source: string): QuickJSHandle {
  const result = context.evalCode(`(\n${source}\n)`, 'label-function.js');
  if (result.error) {
    const error = dumpError(context, result.error);
    if (isFatal(error)) {
      throw new DatasetError(
        'SCRIPT_TIMEOUT',
        `The label function did not finish loading within ${LOAD_TIME_LIMIT_MS} ms (${error.message}). Remove top-level loops.`,
        { ...error },
      );
    }
    throw new DatasetError(
      'SCRIPT_INVALID',
      `The label function does not compile: ${error.name}: ${error.message}. Expected a function such as (name) => name.split('_')[0].`,
      {
        ...error,
      },
    );
  }
  if (context.typeof(result.value) !== 'function') {
    const type = context.typeof(result.value);
    result.value.dispose();
    throw new DatasetError(
      'SCRIPT_INVALID',
      `The label code evaluates to a ${type}, not a function. Write a function such as (name) => name.split('_')[0].`,
      { type },
    );
  }
  return result.value;
}

function callLabelFunction(context: QuickJSContext, fn: QuickJSHandle, path: string): CallOutcome {
  const name = context.newString(getBasename(path));
  const fullPath = context.newString(path);
  let result: ReturnType<QuickJSContext['callFunction']>;
  try {
    result = context.callFunction(fn, context.undefined, name, fullPath);
  } catch (error) {
    // The host's own stack or memory ran out inside the interpreter: treat it as fatal.
    return {
      kind: 'fatal',
      error: { name: 'InternalError', message: String((error as Error).message) },
    };
  } finally {
    name.dispose();
    fullPath.dispose();
  }
  if (result.error) {
    const error = dumpError(context, result.error);
    return isFatal(error)
      ? { kind: 'fatal', error }
      : { kind: 'unlabelled', reason: `the label function threw ${error.name}: ${error.message}` };
  }
  const type = context.typeof(result.value);
  if (type === 'object' && isPromise(context, result.value)) {
    result.value.dispose();
    return {
      kind: 'unlabelled',
      reason:
        'the label function returned a Promise; it must return the label directly (no async or import())',
    };
  }
  // dump() copies the value out as JSON inside the guest, so it is still under the deadline.
  const value: unknown = type === 'string' || type === 'object' ? context.dump(result.value) : type;
  result.value.dispose();
  return toLabel(value, type);
}

/** A native check, so a guest cannot fake it by replacing `Promise` or `Symbol.hasInstance`. */
function isPromise(context: QuickJSContext, handle: QuickJSHandle): boolean {
  const state = context.getPromiseState(handle);
  if (state.type === 'fulfilled' && state.notAPromise) return false;
  if (state.type === 'fulfilled') state.value.dispose();
  else if (state.type === 'rejected') state.error.dispose();
  return true;
}

function toLabel(value: unknown, type: string): CallOutcome {
  if (type === 'string' && typeof value === 'string') {
    if (value.trim() === '')
      return { kind: 'unlabelled', reason: 'the label function returned an empty string' };
    if (value.length > MAX_LABEL_LENGTH)
      return {
        kind: 'unlabelled',
        reason: `the label is longer than ${MAX_LABEL_LENGTH} characters`,
      };
    return { kind: 'label', label: value };
  }
  if (
    Array.isArray(value) &&
    value.every((item) => typeof item === 'string' && item.length <= MAX_LABEL_LENGTH)
  ) {
    const labels = [
      ...new Set(value.map((item: string) => item.trim()).filter((item) => item !== '')),
    ].sort();
    return labels.length > 0
      ? { kind: 'label', label: labels }
      : { kind: 'unlabelled', reason: 'the label function returned no labels' };
  }
  if (type === 'undefined' || value === null)
    return { kind: 'unlabelled', reason: 'the label function returned nothing' };
  return {
    kind: 'unlabelled',
    reason: `the label function returned a ${Array.isArray(value) ? 'non-string array' : type}; return a string or an array of strings`,
  };
}

function dumpError(context: QuickJSContext, handle: QuickJSHandle): GuestError {
  const dumped: unknown = context.dump(handle);
  handle.dispose();
  if (dumped && typeof dumped === 'object') {
    const { name, message } = dumped as Partial<GuestError>;
    return { name: String(name ?? 'Error'), message: String(message ?? '') };
  }
  return { name: 'Error', message: String(dumped) };
}

/** QuickJS reports an interrupt as InternalError "interrupted" and a failed allocation as "out of memory". */
function isFatal(error: GuestError): boolean {
  return (
    error.name === 'InternalError' &&
    /interrupted|out of memory|stack overflow/i.test(error.message)
  );
}

function describeFatal(
  error: GuestError,
  path: string,
  index: number,
  total: number,
  times: { perCallMs: number; totalMs: number; elapsedMs: number },
): DatasetError {
  const where = `on ${quoteName(path)} (file ${formatCount(index + 1)} of ${formatCount(total)})`;
  if (/interrupted/i.test(error.message)) {
    const isTotal = times.elapsedMs >= times.totalMs;
    const limit = isTotal
      ? `${formatCount(times.totalMs)} ms in total`
      : `${times.perCallMs} ms per file`;
    return new DatasetError(
      'SCRIPT_TIMEOUT',
      `The label function was stopped ${where}: it ran longer than ${limit}. Check for endless loops, or use a regex or rule instead.`,
      {
        path,
        limit,
      },
    );
  }
  if (/stack/i.test(error.message)) {
    return new DatasetError(
      'SCRIPT_OUT_OF_MEMORY',
      `The label function ran out of stack ${where}: it calls itself too deeply (${error.message}). Remove the recursion.`,
      { path, cause: error.message },
    );
  }
  return new DatasetError(
    'SCRIPT_OUT_OF_MEMORY',
    `The label function ran out of memory ${where} (${error.message}). Avoid building large strings or arrays.`,
    {
      path,
      cause: error.message,
    },
  );
}
