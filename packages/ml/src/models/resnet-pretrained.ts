import { readFile } from 'node:fs/promises';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createResNet, type ResNetDepth, type ResNetOptions } from './resnet';
import { readSafetensors } from './safetensors';
import { loadTorchWeights } from './torch-weights';

export interface LoadResNetOptions extends Omit<ResNetOptions, 'depth'> {
  /** A torchvision/timm state dict in safetensors form: a file path or the file's bytes. */
  weights: string | Uint8Array;
}

/** Builds a ResNet and fills it from a PyTorch state dict (`fc.*` is ignored for a body). */
export async function loadResNet(
  depth: ResNetDepth,
  options: LoadResNetOptions,
): Promise<tfl.LayersModel> {
  const { weights, ...resnetOptions } = options;
  const bytes = typeof weights === 'string' ? await readFile(weights) : weights;
  const file = readSafetensors(bytes);
  const model = createResNet({ depth, ...resnetOptions });
  try {
    loadTorchWeights(model, file);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
