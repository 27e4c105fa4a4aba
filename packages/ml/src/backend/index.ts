export { initBackend, BACKEND_CHOICES } from './init-backend';
export type {
  BackendChoice,
  BackendFailure,
  BackendInfo,
  InitBackendOptions,
} from './init-backend';
export {
  registerTrainingKernels,
  areTrainingKernelsRegistered,
} from '../kernels/register-training-kernels';
