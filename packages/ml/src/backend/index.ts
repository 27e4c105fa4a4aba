export { initBackend, BACKEND_CHOICES } from './init-backend';
export type {
  BackendChoice,
  BackendFailure,
  BackendInfo,
  InitBackendOptions,
} from './init-backend';
export { registerTrainingKernels, areTrainingKernelsRegistered } from './register-training-kernels';
export {
  BodyPool,
  bodyPool,
  closeBodyPools,
  defaultPoolThreads,
  modelArtifacts,
} from './body-pool';
export type { PooledModel, PoolBackend } from './body-pool';
