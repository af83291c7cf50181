export { type Clock, ManualClock, systemClock } from './clock';
export { type Config, type ConfigResult, loadConfig } from './config';
export { type RunningSystem, type SystemOverrides, startSystem } from './system';
