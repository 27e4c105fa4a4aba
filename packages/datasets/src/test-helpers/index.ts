export * from './images';
export * from './tar-writer';
export * from './zip-writer';
export * from './temp-files';
