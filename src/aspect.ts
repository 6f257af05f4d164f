import { Annotations, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { AlertingOptions, NanoEnforcerAlerting } from './alerting';
import { CanaryKeyOptions, NanoEnforcerCanaryKey } from './canary-key';
import { NanoEnforcerLayer } from './layer';
import { NanoEnforcer } from './nano-enforcer';
import { EnforcementMode, EnforcerPolicy } from './policy';
import { validateAlerting } from './private/alerting-validation';
import { AnnotationIds } from './private/annotation-ids';
import { BundleScanner } from './private/bundle-scan';
import { generateDecoys } from './private/decoys';
import { findEdgeFunctions } from './private/edge-functions';
import { environmentSize, LAMBDA_ENVIRONMENT_LIMIT_BYTES, mayExceedEnvironmentLimit } from './private/environment-size';
import { mergeNodeOptions } from './private/node-options';
import { encodePolicy, isFreeVariableName, validatePolicy } from './private/policy-encoding';
import { settingsFor } from './private/scope-settings';

/**
 * Properties of a NanoEnforcerAspect.
 */
export interface NanoEnforcerAspectProps {
  /**
   * The policy enforced in every protected function, unless
   * `NanoEnforcer.overridePolicy` replaces it for a scope.
   *
   * @default - BLOCK mode, drift prevention, the default deny list, /tmp protected
   */
  readonly policy?: EnforcerPolicy;

  /**
   * Create the alerting pipeline in each stack: metric filters on every
   * protected function's log group, an alarm, and an SNS topic.
   *
   * @default - no alerting resources; events are still written to each function's log
   */
  readonly alerting?: AlertingOptions;

  /**
   * Plant a canary AWS access key (an IAM user that may do nothing) in every
   * protected function, and alert through `alerting` when it is used anywhere.
   * Needs `alerting`. With `policy.honeypots.enabled`, the enforcer also
   * watches for the key in-process.
   *
   * @default - no canary key
   */
  readonly canaryKey?: CanaryKeyOptions;

  /**
   * Fail synthesis (error annotations) instead of warning when a Node.js
   * function cannot be protected.
   *
   * @default false
   */
  readonly strict?: boolean;
}

/** The decoy variables to plant, and those the enforcer watches in-process. */
interface Decoys {
  readonly variables: Record<string, string>;
  readonly watched: string[];
}

// Marks a function the aspect has dealt with, so a second synthesis changes nothing.
const HANDLED = Symbol.for('cdk-nano-enforcer.handled');
const LAYER_ID = 'NanoEnforcerLayer';
const ALERTING_ID = 'NanoEnforcerAlerting';
const CANARY_ID = 'NanoEnforcerCanaryKey';
const MAX_LAYERS = 5;
// aws-cdk-lib's exports are getters that call require() on every read, which
// adds up over every construct of an app: what visit() needs, it reads once, here.
const LambdaFunction = lambda.Function;
const NODEJS = lambda.RuntimeFamily.NODEJS;

/**
 * Protects every Node.js Lambda function in the scope it is added to:
 * `Aspects.of(app).add(new NanoEnforcerAspect({ policy }))`.
 *
 * Each protected function gets the stack's NanoEnforcerLayer, the preload
 * first in its NODE_OPTIONS, and the policy in NANO_ENFORCER_POLICY. A
 * function that cannot be protected gets a warning annotation saying why.
 */
export class NanoEnforcerAspect implements IAspect {
  private readonly policy: EnforcerPolicy;
  private readonly strict: boolean;
  private readonly alerting?: AlertingOptions;
  private readonly canaryKey?: CanaryKeyOptions;
  private readonly bundles = new BundleScanner();
  private edge?: { readonly root: IConstruct; readonly functions: Set<IConstruct> };

  constructor(props: NanoEnforcerAspectProps = {}) {
    this.policy = props.policy ?? {};
    validatePolicy(this.policy, 'NanoEnforcerAspect');
    this.strict = props.strict ?? false;
    if (props.alerting) validateAlerting(props.alerting, 'NanoEnforcerAspect');
    this.alerting = props.alerting;
    if (props.canaryKey && !props.alerting) {
      throw new Error('NanoEnforcerAspect: canaryKey needs alerting, so that a use of the key reaches someone. Add alerting: { topic } or alerting: { emailAddresses: [...] }.');
    }
    for (const name of [props.canaryKey?.accessKeyIdVariable, props.canaryKey?.secretAccessKeyVariable]) {
      if (name !== undefined && !isFreeVariableName(name)) {
        throw new Error(`NanoEnforcerAspect: canaryKey variable '${name}' is not a free environment variable name. Pick one such as BACKUP_AWS_ACCESS_KEY_ID; decoys never shadow the runtime's own variables.`);
      }
    }
    this.canaryKey = props.canaryKey;
  }

  public visit(node: IConstruct): void {
    if (!(node instanceof LambdaFunction)) return;
    const marked = node as unknown as Record<symbol, boolean>;
    if (marked[HANDLED]) return;
    marked[HANDLED] = true;
    this.protect(node);
  }

  private protect(fn: lambda.Function): void {
    const settings = settingsFor(fn);
    if (settings.excludedBecause !== undefined) {
      Annotations.of(fn).addInfo(`cdk-nano-enforcer: not protected, excluded: ${settings.excludedBecause}`);
      return;
    }

    const runtime = fn.runtime;
    if (runtime.family !== NODEJS) {
      if (runtime.name === lambda.Runtime.FROM_IMAGE.name) {
        this.cannotProtect(fn, AnnotationIds.CONTAINER_IMAGE, 'it is a container image function, and layers cannot be added to images. Copy the enforcer into the image and set NODE_OPTIONS there, or exclude it with NanoEnforcer.exclude.');
      }
      return;
    }
    if (!NanoEnforcerLayer.COMPATIBLE_RUNTIME_NAMES.includes(runtime.name)) {
      this.cannotProtect(fn, AnnotationIds.UNSUPPORTED_RUNTIME, `its runtime ${runtime.name} is not supported. Move it to one of ${NanoEnforcerLayer.COMPATIBLE_RUNTIME_NAMES.join(', ')}.`);
      return;
    }
    if (this.edgeFunctions(fn).has(fn)) {
      this.cannotProtect(fn, AnnotationIds.LAMBDA_EDGE, 'it runs on Lambda@Edge, which allows neither environment variables nor layers.');
      return;
    }

    const internals = fn as unknown as { environment?: Record<string, { value: string }>; _layers?: lambda.ILayerVersion[] };
    const environment = internals.environment;
    const layers = internals._layers;
    if (!environment || typeof environment !== 'object' || !Array.isArray(layers)) {
      this.cannotProtect(fn, AnnotationIds.UNREADABLE_FUNCTION, 'this version of aws-cdk-lib does not expose the function\'s environment and layers the way cdk-nano-enforcer expects. Report it with your aws-cdk-lib version.');
      return;
    }
    if (layers.length >= MAX_LAYERS) {
      this.cannotProtect(fn, AnnotationIds.TOO_MANY_LAYERS, `it already has ${layers.length} layers, the most Lambda allows. Merge two of them to make room.`);
      return;
    }
    if (overridesNodeOptions(fn)) {
      this.cannotProtect(fn, AnnotationIds.NODE_OPTIONS_OVERRIDDEN, 'an escape hatch (addPropertyOverride / addOverride) overrides its Environment or NODE_OPTIONS, which would replace the preload. Set NODE_OPTIONS with addEnvironment instead; the aspect merges it.');
      return;
    }

    const policy = settings.policy ?? this.policy;
    this.checkBundle(fn, policy);
    const compileCache = environment.NODE_COMPILE_CACHE?.value;
    if (typeof compileCache === 'string' && !Token.isUnresolved(compileCache) && /^\/tmp(\/|$)/.test(compileCache)) {
      Annotations.of(fn).addWarningV2(AnnotationIds.COMPILE_CACHE_WRITABLE, `cdk-nano-enforcer: ${fn.node.path} sets NODE_COMPILE_CACHE=${compileCache}: `
        + 'node compiles every module, the enforcer\'s preload first, from the V8 code cache there, and code running in the function can write /tmp. '
        + 'Its child processes that may start node are refused unless policy.allowedWritablePaths lists the directory. Remove the variable (on Lambda /tmp starts empty, so it saves nothing at a cold start).');
    }
    const decoys = this.decoysFor(fn, policy, environment);
    const policyJson = encodePolicy(policy, decoys.watched);
    const nodeOptions = mergeNodeOptions(environment.NODE_OPTIONS?.value, NanoEnforcer.PRELOAD_PATH);
    const variables: Record<string, string> = {};
    for (const [key, entry] of Object.entries(environment)) variables[key] = entry.value;
    Object.assign(variables, decoys.variables);
    variables.NODE_OPTIONS = nodeOptions;
    variables[NanoEnforcer.POLICY_ENVIRONMENT_VARIABLE] = policyJson;
    const size = mayExceedEnvironmentLimit(variables) ? environmentSize(variables) : undefined;
    if (size && size.bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
      this.cannotProtect(fn, AnnotationIds.ENVIRONMENT_TOO_LARGE, `its environment would be ${size.hasTokens ? 'at least ' : ''}${size.bytes} bytes with the policy (${Buffer.byteLength(policyJson)} bytes), over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}. Shorten the policy's lists (globs cover many paths) or move large variables to SSM Parameter Store.`);
      return;
    }

    const layer = this.layerFor(Stack.of(fn));
    try {
      fn.addLayers(layer);
    } catch (e) {
      this.cannotProtect(fn, AnnotationIds.LAYER_REJECTED, `the layer could not be added: ${(e as Error).message}`);
      return;
    }
    fn.addEnvironment('NODE_OPTIONS', nodeOptions);
    fn.addEnvironment(NanoEnforcer.POLICY_ENVIRONMENT_VARIABLE, policyJson);
    for (const [name, value] of Object.entries(decoys.variables)) fn.addEnvironment(name, value);
    if (this.alerting) this.alertingFor(Stack.of(fn)).watch(fn);
  }

  private canaryFor(stack: Stack): NanoEnforcerCanaryKey {
    const existing = stack.node.tryFindChild(CANARY_ID);
    if (existing instanceof NanoEnforcerCanaryKey) return existing;
    return new NanoEnforcerCanaryKey(stack, CANARY_ID, { ...this.canaryKey, topic: this.alertingFor(stack).topic });
  }

  private alertingFor(stack: Stack): NanoEnforcerAlerting {
    const existing = stack.node.tryFindChild(ALERTING_ID);
    if (existing instanceof NanoEnforcerAlerting) return existing;
    return new NanoEnforcerAlerting(stack, ALERTING_ID, this.alerting);
  }

  // Decoys never replace a variable the function sets itself. The canary key is
  // planted whenever it is configured (CloudTrail sees its use); its names join
  // the in-process trip wires only when honeypots are enabled.
  private decoysFor(fn: lambda.Function, policy: EnforcerPolicy, environment: Record<string, unknown>): Decoys {
    const honeypots = policy.honeypots ?? {};
    const free = (name: string) => !(name in environment);
    const variables: Record<string, string> = {};
    if (honeypots.enabled === true) {
      const names = (honeypots.variableNames ?? NanoEnforcer.DEFAULT_DECOY_VARIABLE_NAMES).filter(free);
      Object.assign(variables, generateDecoys(fn, names, honeypots));
      for (const [name, value] of Object.entries(honeypots.customDecoys ?? {})) if (free(name)) variables[name] = value;
    }
    if (this.canaryKey) {
      for (const [name, value] of Object.entries(this.canaryFor(Stack.of(fn)).decoyVariables())) if (free(name)) variables[name] = value;
    }
    return { variables, watched: honeypots.enabled === true ? Object.keys(variables) : [] };
  }

  // The deny list, applied to what would ship: a forbidden binary fails synth before it is deployed.
  private checkBundle(fn: lambda.Function, policy: EnforcerPolicy): void {
    const blocked = policy.blockedExecutables ?? NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES;
    for (const finding of this.bundles.scan(fn, blocked)) {
      const message = `cdk-nano-enforcer: ${fn.node.path} bundles a blocked executable: ${finding.file} matches '${finding.entry}' in policy.blockedExecutables. `
        + 'Remove it from the bundle, or, if it is legitimate, from blockedExecutables.';
      if (policy.mode === EnforcementMode.ALERT) {
        Annotations.of(fn).addWarningV2(AnnotationIds.BLOCKED_EXECUTABLE_IN_BUNDLE, message);
      } else {
        Annotations.of(fn).addError(message);
      }
    }
  }

  private layerFor(stack: Stack): NanoEnforcerLayer {
    const existing = stack.node.tryFindChild(LAYER_ID);
    if (existing instanceof NanoEnforcerLayer) return existing;
    if (existing) {
      throw new Error(`${stack.node.path} already has a construct with id '${LAYER_ID}' that is not a NanoEnforcerLayer. Rename it.`);
    }
    return new NanoEnforcerLayer(stack, LAYER_ID);
  }

  private edgeFunctions(fn: IConstruct): Set<IConstruct> {
    const root = fn.node.root;
    if (this.edge?.root !== root) this.edge = { root, functions: findEdgeFunctions(root) };
    return this.edge.functions;
  }

  private cannotProtect(fn: lambda.Function, id: string, reason: string): void {
    const message = `cdk-nano-enforcer: ${fn.node.path} is not protected: ${reason}`;
    if (this.strict) {
      Annotations.of(fn).addError(`${message} [${id}] (strict mode)`);
    } else {
      Annotations.of(fn).addWarningV2(id, message);
    }
  }
}

// Raw overrides are applied after the L2 renders its environment, so they would win over ours.
function overridesNodeOptions(fn: lambda.Function): boolean {
  const cfn = fn.node.defaultChild as unknown as { rawOverrides?: { Properties?: Record<string, unknown> } } | undefined;
  const properties = cfn?.rawOverrides?.Properties;
  if (!properties || !('Environment' in properties)) return false;
  const environment = properties.Environment;
  if (!isObject(environment)) return true; // replaced or deleted as a whole
  if (!('Variables' in environment)) return false;
  const variables = environment.Variables;
  if (!isObject(variables)) return true;
  return 'NODE_OPTIONS' in variables || NanoEnforcer.POLICY_ENVIRONMENT_VARIABLE in variables;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
