export * from './aspect';
export * from './layer';
export * from './nano-enforcer';
export * from './policy';
