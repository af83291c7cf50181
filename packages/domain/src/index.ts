export * from './locker';
export * from './openPolicy';
export * from './pairing';
