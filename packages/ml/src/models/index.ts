// Networks, pretrained weights and backbones (DESIGN.md §6).
export {
  ARCHITECTURES,
  getArchitecture,
  type ArchitectureId,
  type ArchitectureSpec,
  type BodySpec,
  type DownloadableWeights,
  type InputNormalization,
} from './architectures';
export {
  bodyLayerGroups,
  flattenLayers,
  userBackbone,
  type Backbone,
  type UserBackboneOptions,
} from './backbone';
export {
  ChecksumMismatchError,
  DownloadError,
  downloadVerified,
  hashFile,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
} from './download';
export {
  loadLayersModelFromDir,
  loadLayersModelFromFiles,
  type ModelFiles,
} from './layers-model-files';
export { loadBackbone, type LoadBackboneOptions } from './load-backbone';
export {
  loadDarknetTinyBackbone,
  loadDarknetTinyClassifier,
  loadMobileNetV2Backbone,
  loadMobileNetV2FullWidthBackbone,
} from './offline-backbones';
export {
  basicBlock,
  bottleneckBlock,
  createResNet,
  resnetFeatureChannels,
  resnetStack,
  type ResNetDepth,
  type ResNetOptions,
} from './resnet';
export { loadResNet, type LoadResNetOptions } from './resnet-pretrained';
export {
  loadUploadedBackbone,
  type ChannelStats,
  type UploadedBackboneOptions,
  type UploadedBackboneSpec,
} from './uploaded-backbone';
export {
  BackboneFilesError,
  checkBackboneFiles,
  type BackboneFilesCheck,
  type BackboneFilesErrorCode,
} from './uploaded-backbone-check';
export {
  readSafetensors,
  SafetensorsFormatError,
  toFloat32,
  writeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsInput,
} from './safetensors';
export {
  expectedTorchTensors,
  loadTorchWeights,
  WeightMappingError,
  type LoadTorchWeightsResult,
  type TorchTensorSpec,
} from './torch-weights';
export { ensureWeights, type EnsuredWeights, type EnsureWeightsOptions } from './weights-cache';
