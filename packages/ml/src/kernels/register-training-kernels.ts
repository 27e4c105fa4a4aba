import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
// Imported for its side effect: the package registers its own wasm kernels on load, so it
// must load before ours or its plain-loop Conv2DBackpropInput would overwrite ours.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { identityConfig, reverseConfig, sliceConfig, tileConfig } from './copy-kernels';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input';
import { maxPoolGradConfig } from './max-pool-grad';
import { meanConfig, sumConfig } from './reduce-kernels';
import { rememberBuiltin } from './wasm-heap';

/**
 * What CNN training needs on wasm beyond the built-ins: the convolution gradients, built from
 * XNNPACK forward convs; and faster versions of built-ins that dominate a training step
 * (BatchNorm statistics and gradient, padding and max-pool gradients, the copies the tape
 * makes of saved tensors), which hand the cases
 * they do not speed up back to the built-in kernel.
 */
export const trainingKernelConfigs: readonly KernelConfig[] = [
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  sumConfig,
  meanConfig,
  identityConfig,
  sliceConfig,
  tileConfig,
  reverseConfig,
  maxPoolGradConfig,
];

/**
 * Registers the training kernels for the 'wasm' backend, replacing built-ins where they
 * exist. Idempotent: a kernel already ours is left alone. Safe before or after the wasm
 * backend is initialised, since these kernels need no per-backend setup.
 */
export function registerTrainingKernels(): void {
  for (const config of trainingKernelConfigs) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    rememberBuiltin(config);
    // Unregister first so tfjs does not warn about a duplicate registration.
    if (current != null) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}

/** True when every training kernel registered for wasm is ours. */
export function areTrainingKernelsRegistered(): boolean {
  return trainingKernelConfigs.every(
    (config) =>
      tf.getKernel(config.kernelName, config.backendName)?.kernelFunc === config.kernelFunc,
  );
}
