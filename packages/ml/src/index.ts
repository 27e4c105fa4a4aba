export * from './backend/index';
export * from './models/index';
export * from './data/index';
