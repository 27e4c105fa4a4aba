import { join } from 'node:path';
import { type ArchitectureId, type ArchitectureSpec, getArchitecture } from './architectures';
import type { Backbone } from './backbone';
import { loadDarknetTinyBackbone, loadMobileNetV2Backbone } from './offline-backbones';
import { loadResNet } from './resnet-pretrained';
import { type EnsureWeightsOptions, ensureWeights } from './weights-cache';

export interface LoadBackboneOptions extends Partial<EnsureWeightsOptions> {
  /** Folder holding the offline backbones' folders (e.g. ../shared/pretrained). Needed for those. */
  pretrainedDir?: string;
  /**
   * Input shape without batch; null sides accept any size. Default: [224, 224, 3] for a ResNet,
   * what its model.json declares for an offline backbone.
   */
  inputShape?: [number | null, number | null, number];
}

/** The pretrained body of a registry architecture: ResNets via the weight cache, the others from disk. */
export async function loadBackbone(
  arch: ArchitectureId | ArchitectureSpec,
  options: LoadBackboneOptions = {},
): Promise<Backbone> {
  const spec = typeof arch === 'string' ? getArchitecture(arch) : arch;
  if (spec.weights.kind === 'offline') {
    if (!options.pretrainedDir) {
      throw new Error(
        `${spec.displayName} loads from disk: pass pretrainedDir, the folder that contains "${spec.weights.dirName}".`,
      );
    }
    const dir = join(options.pretrainedDir, spec.weights.dirName);
    const load = spec.family === 'mobilenet_v2' ? loadMobileNetV2Backbone : loadDarknetTinyBackbone;
    return load(dir, { inputShape: options.inputShape });
  }
  const { cacheDir, inputShape, ...rest } = options;
  if (!cacheDir)
    throw new Error(
      `${spec.displayName} weights need a cacheDir to download into (or a localFile).`,
    );
  const weights = await ensureWeights(spec, { ...rest, cacheDir });
  const depth = Number(spec.id.slice('resnet'.length)) as 18 | 34 | 50;
  const body = await loadResNet(depth, { weights: weights.path, includeTop: false, inputShape });
  return { id: spec.id, body, spec };
}
