export * from './backend/index';
export {
  BodyPool,
  bodyPool,
  closeBodyPools,
  defaultPoolThreads,
  modelArtifacts,
  type PooledModel,
  type PoolBackend,
} from './parallel/body-pool';
export * from './models/index';
export * from './data/index';
export * from './learner/index';
export * from './interpret/index';
export * from './export/index';
export * from './backend/memory';
export { toOnnx, UnsupportedLayerError } from './onnx/index';
export {
  inferenceEngine,
  openOnnxForward,
  useOnnxCuda,
  type InferenceEngineInfo,
  type InferenceEngineOption,
  type OnnxForward,
} from './onnx/onnx-forward';
