export * from './env';
export * from './queues';
export * from './labelling';
export * from './runs';
export * from './backbones';
export * from './predict';
export * from './auth-secret';
export * from './shared-dir';
