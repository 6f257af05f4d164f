/**
 * Stable ids of the annotations the aspect adds to functions it cannot protect
 * or protects with a caveat. Users acknowledge them with
 * `Annotations.of(scope).acknowledgeWarning(id)`.
 */
export const AnnotationIds = {
  CONTAINER_IMAGE: 'cdk-nano-enforcer:containerImage',
  LAMBDA_EDGE: 'cdk-nano-enforcer:lambdaEdge',
  TOO_MANY_LAYERS: 'cdk-nano-enforcer:tooManyLayers',
  NODE_OPTIONS_OVERRIDDEN: 'cdk-nano-enforcer:nodeOptionsOverridden',
  ENVIRONMENT_TOO_LARGE: 'cdk-nano-enforcer:environmentTooLarge',
  UNSUPPORTED_RUNTIME: 'cdk-nano-enforcer:unsupportedRuntime',
  UNREADABLE_FUNCTION: 'cdk-nano-enforcer:unreadableFunction',
  LAYER_REJECTED: 'cdk-nano-enforcer:layerRejected',
  BLOCKED_EXECUTABLE_IN_BUNDLE: 'cdk-nano-enforcer:blockedExecutableInBundle',
  COMPILE_CACHE_WRITABLE: 'cdk-nano-enforcer:compileCacheWritable',
} as const;
