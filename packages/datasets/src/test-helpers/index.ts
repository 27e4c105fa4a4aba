export * from './images';
export * from './tar-writer';
export * from './zip-writer';
export * from './temp-files';
export * from './measure';
export * from './disk-store';
export * from './hostile-images';
