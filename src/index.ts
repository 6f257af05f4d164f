export * from './alerting';
export * from './aspect';
export * from './canary-key';
export * from './layer';
export * from './nano-enforcer';
export * from './policy';
