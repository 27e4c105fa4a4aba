import { join } from 'node:path';
import { type ArchitectureId, type ArchitectureSpec, getArchitecture } from './architectures';
import type { Backbone } from './backbone';
import {
  loadDarknetTinyBackbone,
  loadMobileNetV2Backbone,
  loadMobileNetV2FullWidthBackbone,
} from './offline-backbones';
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

const OFFLINE_LOADERS: Partial<Record<ArchitectureId, typeof loadDarknetTinyBackbone>> = {
  'mobilenet_v2_0.35': loadMobileNetV2Backbone,
  'mobilenet_v2_1.0': loadMobileNetV2FullWidthBackbone,
  darknet_tiny: loadDarknetTinyBackbone,
};

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
    const load = OFFLINE_LOADERS[spec.id];
    if (!load) throw new Error(`${spec.displayName} has no offline loader.`);
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
