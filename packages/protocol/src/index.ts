export * from './codec';
export * from './messages';
export * from './signing';
export * from './stageTrace';
export * from './topics';
