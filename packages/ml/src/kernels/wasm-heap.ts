import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// Helpers for the studio's wasm kernels that work on the wasm heap directly (memcpy-like
// copies and loops that the built-in kernels do element by element), and that hand the cases
// they do not speed up back to the kernel tfjs-backend-wasm registered.

/** The wasm backend a kernel was called with (kernels are registered for 'wasm' only). */
export function wasmBackend(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: BackendWasm, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}

/**
 * The current Float32Array over the whole heap. Take it after every allocation
 * (makeOutput may grow the memory, which detaches older views).
 */
export function heapF32(backend: BackendWasm): Float32Array {
  // Emscripten exports the heap views on the module but its typings omit them.
  return (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
}

/** Dtypes stored as 4-byte words on the heap, which the copy kernels can move as floats. */
export function isWordDtype(dtype: tf.DataType): boolean {
  return dtype === 'float32' || dtype === 'int32';
}

/** The kernels tfjs-backend-wasm registered, kept when ours replace them. */
const builtins = new Map<string, KernelConfig>();

/** Remembers the built-in kernel before `config` replaces it (no-op if it is already ours). */
export function rememberBuiltin(config: KernelConfig): void {
  const current = tf.getKernel(config.kernelName, config.backendName);
  if (
    current != null &&
    current.kernelFunc !== config.kernelFunc &&
    !builtins.has(config.kernelName)
  ) {
    builtins.set(config.kernelName, current);
  }
}

/**
 * A setupFunc for a kernel that falls back to a built-in: the built-in binds its wasm exports
 * in its own setupFunc, which tfjs runs only for registered kernels when the backend starts.
 */
export function setupBuiltin(kernelName: string): NonNullable<KernelConfig['setupFunc']> {
  return (backend) => builtins.get(kernelName)?.setupFunc?.(backend);
}

/** Runs the built-in wasm kernel for the cases a studio kernel leaves to it. */
export function runBuiltin(
  kernelName: string,
  args: Parameters<KernelFunc>[0],
): ReturnType<KernelFunc> {
  const builtin = builtins.get(kernelName)?.kernelFunc;
  if (builtin == null) {
    throw new Error(
      `wasm ${kernelName}: the built-in kernel was not recorded; call registerTrainingKernels() after importing @tensorflow/tfjs-backend-wasm.`,
    );
  }
  return builtin(args);
}

/**
 * Copies a float32 tensor's values into `target` at `offset`: on wasm straight from the heap,
 * one copy with no array in between (a training step's weights are tens of MB); elsewhere
 * through `data()`.
 */
export async function copyTensorInto(
  tensor: tf.Tensor,
  target: Float32Array,
  offset: number,
): Promise<void> {
  if (tf.getBackend() === 'wasm') {
    const backend = tf.engine().backend as BackendWasm;
    target.set(backend.typedArrayFromHeap(tensor) as Float32Array, offset);
  } else {
    target.set((await tensor.data()) as Float32Array, offset);
  }
}
