// Placeholder entry; replaced by the enforcer.
export {};
