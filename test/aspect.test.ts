import * as path from 'path';
import { App, Aspects, AspectPriority, Annotations as CoreAnnotations, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EnforcementMode, NanoEnforcer, NanoEnforcerAspect, NanoEnforcerAspectProps } from '../src';

const PRELOAD = '--require /opt/nano-enforcer/preload.js';

function nodeFn(scope: Construct, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    ...props,
  });
}

function protectedApp(props?: NanoEnforcerAspectProps, context?: Record<string, unknown>): { app: App; stack: Stack } {
  const app = new App({ context });
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  Aspects.of(app).add(new NanoEnforcerAspect(props));
  return { app, stack };
}

function envOf(template: Template, logicalIdPrefix: string): Record<string, unknown> | undefined {
  const fns = template.findResources('AWS::Lambda::Function');
  const id = Object.keys(fns).find(k => k.startsWith(logicalIdPrefix));
  if (!id) throw new Error(`no function ${logicalIdPrefix}`);
  return fns[id].Properties.Environment?.Variables;
}

function layersOf(template: Template, logicalIdPrefix: string): unknown[] | undefined {
  const fns = template.findResources('AWS::Lambda::Function');
  const id = Object.keys(fns).find(k => k.startsWith(logicalIdPrefix))!;
  return fns[id].Properties.Layers;
}

function warningsOf(stack: Stack, id: string) {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id.replace(/[:]/g, '.')));
}

describe('NanoEnforcerAspect', () => {
  test('adds the layer, the preload and the policy to a Node.js function', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Fn');
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
      CompatibleArchitectures: ['x86_64', 'arm64'],
    });
    const layerId = Object.keys(template.findResources('AWS::Lambda::LayerVersion'))[0];
    expect(layersOf(template, 'Fn')).toEqual([{ Ref: layerId }]);
    expect(envOf(template, 'Fn')).toEqual({
      NODE_OPTIONS: PRELOAD,
      NANO_ENFORCER_POLICY: '{"v":1}',
    });
  });

  test('warns, and still protects, when a function sets NODE_COMPILE_CACHE in /tmp', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Cached', { environment: { NODE_COMPILE_CACHE: '/tmp/node-cache' } });
    nodeFn(stack, 'Shipped', { environment: { NODE_COMPILE_CACHE: '/var/task/.cache' } });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => w.id)).toEqual(['/Stack/Cached']);
    expect(warnings[0].entry.data).toMatch(/NODE_COMPILE_CACHE=\/tmp\/node-cache.*allowedWritablePaths.*\[ack: cdk-nano-enforcer:compileCacheWritable\]/);
    expect(envOf(Template.fromStack(stack), 'Cached')?.NODE_OPTIONS).toBe(PRELOAD);
  });

  test('leaves a Python function untouched', () => {
    const { stack } = protectedApp();
    new lambda.Function(stack, 'Py', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(e, c): return 1'),
      environment: { A: 'b' },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    expect(envOf(template, 'Py')).toEqual({ A: 'b' });
    expect(layersOf(template, 'Py')).toBeUndefined();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('protects an arm64 function with the same layer', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Arm', { architecture: lambda.Architecture.ARM_64, runtime: lambda.Runtime.NODEJS_20_X });
    const template = Template.fromStack(stack);
    expect(envOf(template, 'Arm')?.NODE_OPTIONS).toBe(PRELOAD);
    expect(layersOf(template, 'Arm')).toHaveLength(1);
  });

  test('protects a function on nodejs24.x', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'N24', { runtime: new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true }) });
    expect(envOf(Template.fromStack(stack), 'N24')?.NODE_OPTIONS).toBe(PRELOAD);
  });

  test('creates one layer per stack, shared by all its functions', () => {
    const { stack } = protectedApp();
    for (let i = 0; i < 5; i++) nodeFn(stack, `Fn${i}`);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    const layerId = Object.keys(template.findResources('AWS::Lambda::LayerVersion'))[0];
    for (let i = 0; i < 5; i++) expect(layersOf(template, `Fn${i}`)).toEqual([{ Ref: layerId }]);
  });

  test('gives two stacks in two regions a layer each, with no cross-stack reference', () => {
    const app = new App();
    const east = new Stack(app, 'East', { env: { account: '111111111111', region: 'us-east-1' } });
    const west = new Stack(app, 'West', { env: { account: '111111111111', region: 'eu-west-1' } });
    nodeFn(east, 'Fn');
    nodeFn(west, 'Fn');
    Aspects.of(app).add(new NanoEnforcerAspect());

    for (const stack of [east, west]) {
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
      const layerId = Object.keys(template.findResources('AWS::Lambda::LayerVersion'))[0];
      expect(layersOf(template, 'Fn')).toEqual([{ Ref: layerId }]);
      expect(JSON.stringify(template.toJSON())).not.toContain('Fn::ImportValue');
    }
  });

  test('keeps the user\'s NODE_OPTIONS and puts the preload first, once', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Fn', { environment: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=256', OTHER: 'x' } });
    const env = envOf(Template.fromStack(stack), 'Fn');
    expect(env?.NODE_OPTIONS).toBe(`${PRELOAD} --enable-source-maps --max-old-space-size=256`);
    expect(env?.OTHER).toBe('x');
  });

  test('does not add the preload twice when NODE_OPTIONS already has it', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Fn', { environment: { NODE_OPTIONS: `--enable-source-maps ${PRELOAD}` } });
    expect(envOf(Template.fromStack(stack), 'Fn')?.NODE_OPTIONS).toBe(`${PRELOAD} --enable-source-maps`);
  });

  test('merges NODE_OPTIONS when the existing value is a token', () => {
    const { stack } = protectedApp();
    const bucket = new s3.Bucket(stack, 'Bucket');
    nodeFn(stack, 'Fn', { environment: { NODE_OPTIONS: `--title=${bucket.bucketName}` } });
    const nodeOptions = envOf(Template.fromStack(stack), 'Fn')?.NODE_OPTIONS;
    const bucketId = Object.keys(Template.fromStack(stack).findResources('AWS::S3::Bucket'))[0];
    expect(nodeOptions).toEqual({ 'Fn::Join': ['', [`${PRELOAD} --title=`, { Ref: bucketId }]] });
  });

  test('is idempotent across two syntheses', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Fn', { environment: { NODE_OPTIONS: '--enable-source-maps' } });
    nodeFn(stack, 'Full', { layers: [1, 2, 3, 4, 5].map(i => lambda.LayerVersion.fromLayerVersionArn(stack, `L${i}`, `arn:aws:lambda:eu-west-1:111111111111:layer:l${i}:1`)) });

    const first = Template.fromStack(stack);
    const firstWarnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    const second = Template.fromStack(stack);
    const secondWarnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());

    expect(second.toJSON()).toEqual(first.toJSON());
    second.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    expect(layersOf(second, 'Fn')).toHaveLength(1);
    expect(envOf(second, 'Fn')?.NODE_OPTIONS).toBe(`${PRELOAD} --enable-source-maps`);
    expect(secondWarnings).toHaveLength(1);
    expect(secondWarnings).toEqual(firstWarnings);
  });

  test.each([
    ['the default priority', undefined, undefined],
    ['aspectPrioritiesMutating on', undefined, { '@aws-cdk/core:aspectPrioritiesMutating': true }],
    ['aspectPrioritiesMutating off', undefined, { '@aws-cdk/core:aspectPrioritiesMutating': false }],
    ['an explicit MUTATING priority', AspectPriority.MUTATING, undefined],
  ])('works with %s', (_name, priority, context) => {
    const app = new App({ context });
    const stack = new Stack(app, 'Stack');
    nodeFn(stack, 'Fn');
    Aspects.of(app).add(new NanoEnforcerAspect(), priority === undefined ? undefined : { priority });
    expect(envOf(Template.fromStack(stack), 'Fn')?.NODE_OPTIONS).toBe(PRELOAD);
  });

  test('passes the policy as compact, versioned JSON', () => {
    const { stack } = protectedApp({
      policy: {
        mode: EnforcementMode.ALERT,
        allowedExecutables: ['curl', '/var/task/bin/catdoc', 'curl'],
        blockedExecutables: [...NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES, 'sha256:' + 'a'.repeat(64)],
        protectTmp: false,
        allowedWritablePaths: ['/tmp/chromium/**'],
        allowInlineCode: ['python3'],
      },
    });
    nodeFn(stack, 'Fn');
    const json = envOf(Template.fromStack(stack), 'Fn')?.NANO_ENFORCER_POLICY as string;
    expect(json).not.toMatch(/\s/);
    expect(JSON.parse(json)).toEqual({
      v: 1,
      m: 'a',
      a: ['curl', '/var/task/bin/catdoc'],
      d: [...NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES, 'sha256:' + 'a'.repeat(64)],
      t: 0,
      w: ['/tmp/chromium/**'],
      i: ['python3'],
    });
  });

  test('protects a SingletonFunction', () => {
    const { stack } = protectedApp();
    new lambda.SingletonFunction(stack, 'Single', {
      uuid: '6a1f2d4e-0000-4000-8000-000000000001',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });
    expect(envOf(Template.fromStack(stack), 'SingletonLambda')?.NODE_OPTIONS).toBe(PRELOAD);
  });

  test('protects a NodejsFunction bundled with the local esbuild', () => {
    const { stack } = protectedApp();
    new NodejsFunction(stack, 'Bundled', {
      entry: path.join(__dirname, 'fixtures', 'hello', 'index.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      bundling: { forceDockerBundling: false },
      environment: { TABLE: 'orders' },
    });
    const template = Template.fromStack(stack);
    const env = envOf(template, 'Bundled');
    expect(env?.TABLE).toBe('orders');
    expect(env?.NODE_OPTIONS).toBe(PRELOAD);
    expect(layersOf(template, 'Bundled')).toHaveLength(1);
  });

  test('protects only the functions in the scope it is added to', () => {
    const app = new App();
    const inScope = new Stack(app, 'In');
    const outOfScope = new Stack(app, 'Out');
    nodeFn(inScope, 'Fn');
    nodeFn(outOfScope, 'Fn');
    Aspects.of(inScope).add(new NanoEnforcerAspect());
    expect(envOf(Template.fromStack(inScope), 'Fn')?.NODE_OPTIONS).toBe(PRELOAD);
    expect(envOf(Template.fromStack(outOfScope), 'Fn')).toBeUndefined();
  });
});

describe('functions the aspect cannot protect', () => {
  test('warns about a container image function', () => {
    const { stack } = protectedApp();
    new lambda.DockerImageFunction(stack, 'Image', {
      code: lambda.DockerImageCode.fromEcr(ecr.Repository.fromRepositoryName(stack, 'Repo', 'app')),
    });
    const warnings = warningsOf(stack, 'cdk-nano-enforcer:containerImage');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].id).toBe('/Stack/Image');
    expect(warnings[0].entry.data).toMatch(/container image/);
  });

  test('warns about a Lambda@Edge function and leaves it without environment or layers', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const edge = new cloudfront.experimental.EdgeFunction(stack, 'Edge', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => e;'),
    });
    new cloudfront.Distribution(stack, 'Dist', {
      defaultBehavior: {
        origin: new origins.HttpOrigin('example.com'),
        edgeLambdas: [{ functionVersion: edge.currentVersion, eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST }],
      },
    });
    Aspects.of(app).add(new NanoEnforcerAspect());
    const template = Template.fromStack(stack);
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    expect(Object.values(fns)).toHaveLength(1);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties.Environment).toBeUndefined();
      expect(fn.Properties.Layers).toBeUndefined();
    }
    expect(warningsOf(stack, 'cdk-nano-enforcer:lambdaEdge')).toHaveLength(1);
  });

  test('finds a Lambda@Edge function that CDK put in a separate us-east-1 stack', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    new cloudfront.experimental.EdgeFunction(stack, 'Edge', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => e;'),
      stackId: 'EdgeStack',
    });
    Aspects.of(app).add(new NanoEnforcerAspect());
    const edgeStack = app.node.findChild('EdgeStack') as Stack;
    const fns = Template.fromStack(edgeStack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    expect(Object.values(fns)).toHaveLength(1);
    for (const fn of Object.values(fns)) expect(fn.Properties.Layers).toBeUndefined();
    expect(warningsOf(edgeStack, 'cdk-nano-enforcer:lambdaEdge')).toHaveLength(1);
  });

  test('warns about a plain function whose version a distribution uses at the edge', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const fn = nodeFn(stack, 'EdgeFn');
    nodeFn(stack, 'Regular');
    new cloudfront.Distribution(stack, 'Dist', {
      defaultBehavior: {
        origin: new origins.HttpOrigin('example.com'),
        edgeLambdas: [{ functionVersion: fn.currentVersion, eventType: cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST }],
      },
    });
    Aspects.of(app).add(new NanoEnforcerAspect());
    const template = Template.fromStack(stack);
    expect(envOf(template, 'EdgeFn')).toBeUndefined();
    expect(envOf(template, 'Regular')?.NODE_OPTIONS).toBe(PRELOAD);
    const warnings = warningsOf(stack, 'cdk-nano-enforcer:lambdaEdge');
    expect(warnings.map(w => w.id)).toEqual(['/Stack/EdgeFn']);
  });

  test('warns about a function that already has five layers', () => {
    const { stack } = protectedApp();
    const layers = [1, 2, 3, 4, 5].map(i => lambda.LayerVersion.fromLayerVersionArn(stack, `L${i}`, `arn:aws:lambda:eu-west-1:111111111111:layer:l${i}:1`));
    nodeFn(stack, 'Full', { layers });
    const template = Template.fromStack(stack);
    expect(layersOf(template, 'Full')).toHaveLength(5);
    expect(envOf(template, 'Full')).toBeUndefined();
    const warnings = warningsOf(stack, 'cdk-nano-enforcer:tooManyLayers');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/already has 5 layers/);
  });

  test.each([
    ['Environment.Variables.NODE_OPTIONS', '--inspect'],
    ['Environment.Variables', { NODE_OPTIONS: '--inspect' }],
    ['Environment', { Variables: { NODE_OPTIONS: '' } }],
  ])('warns when an escape hatch overrides %s', (property, value) => {
    const { stack } = protectedApp();
    const fn = nodeFn(stack, 'Hatch');
    (fn.node.defaultChild as lambda.CfnFunction).addPropertyOverride(property, value);
    Template.fromStack(stack);
    const warnings = warningsOf(stack, 'cdk-nano-enforcer:nodeOptionsOverridden');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/escape hatch/);
  });

  test('does not warn when an escape hatch overrides another variable', () => {
    const { stack } = protectedApp();
    const fn = nodeFn(stack, 'Hatch');
    (fn.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Environment.Variables.OTHER', 'x');
    const env = envOf(Template.fromStack(stack), 'Hatch');
    expect(env?.NODE_OPTIONS).toBe(PRELOAD);
    expect(env?.OTHER).toBe('x');
    expect(warningsOf(stack, 'cdk-nano-enforcer')).toEqual([]);
  });

  test('warns when the environment would pass 4 KB', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Big', { environment: { BIG: 'x'.repeat(4050) } });
    const template = Template.fromStack(stack);
    expect(envOf(template, 'Big')).toEqual({ BIG: 'x'.repeat(4050) });
    const warnings = warningsOf(stack, 'cdk-nano-enforcer:environmentTooLarge');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/4\d{3} bytes .* over Lambda's 4096/);
  });

  test('counts the environment in UTF-8 bytes, not characters', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Euro', { environment: { PRICE: '€'.repeat(1340) } });
    Template.fromStack(stack);
    const warnings = warningsOf(stack, 'cdk-nano-enforcer:environmentTooLarge');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/4\d{3} bytes .* over Lambda's 4096/);
  });

  test('counts a long policy against the 4 KB limit', () => {
    const { stack } = protectedApp({ policy: { allowedExecutables: Array.from({ length: 200 }, (_, i) => `/var/task/bin/tool-${i}`) } });
    nodeFn(stack, 'Fn', { environment: { SMALL: 'x' } });
    Template.fromStack(stack);
    expect(warningsOf(stack, 'cdk-nano-enforcer:environmentTooLarge')).toHaveLength(1);
  });

  test('warns about a Node.js runtime the layer does not support', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Old', { runtime: lambda.Runtime.NODEJS_18_X });
    const template = Template.fromStack(stack);
    expect(envOf(template, 'Old')).toBeUndefined();
    expect(warningsOf(stack, 'cdk-nano-enforcer:unsupportedRuntime')[0].entry.data).toMatch(/nodejs18\.x is not supported/);
  });

  test('turns the warnings into errors in strict mode', () => {
    const { stack } = protectedApp({ strict: true });
    nodeFn(stack, 'Big', { environment: { BIG: 'x'.repeat(4090) } });
    Template.fromStack(stack);
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('environmentTooLarge'));
    expect(errors).toHaveLength(1);
    expect(errors[0].id).toBe('/Stack/Big');
  });

  test('a warning can be acknowledged by its id for a whole stack', () => {
    const { stack } = protectedApp();
    nodeFn(stack, 'Old', { runtime: lambda.Runtime.NODEJS_18_X });
    CoreAnnotations.of(stack).acknowledgeWarning('cdk-nano-enforcer:unsupportedRuntime', 'migrating next sprint');
    Template.fromStack(stack);
    expect(warningsOf(stack, 'cdk-nano-enforcer:unsupportedRuntime')).toEqual([]);
  });
});

describe('NanoEnforcer.exclude and NanoEnforcer.overridePolicy', () => {
  test('exclude leaves the construct and everything below it unprotected', () => {
    const { stack } = protectedApp();
    const legacy = new Construct(stack, 'Legacy');
    nodeFn(legacy, 'A');
    nodeFn(legacy, 'B');
    nodeFn(stack, 'C');
    NanoEnforcer.exclude(legacy, 'vendored binary unpacked into /tmp');
    const template = Template.fromStack(stack);
    expect(envOf(template, 'LegacyA')).toBeUndefined();
    expect(envOf(template, 'LegacyB')).toBeUndefined();
    expect(envOf(template, 'C')?.NODE_OPTIONS).toBe(PRELOAD);
    const infos = Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('excluded: vendored binary'));
    expect(infos.map(i => i.id).sort()).toEqual(['/Stack/Legacy/A', '/Stack/Legacy/B']);
  });

  test('exclude of a SingletonFunction reaches its real function', () => {
    const { stack } = protectedApp();
    const single = new lambda.SingletonFunction(stack, 'Single', {
      uuid: '6a1f2d4e-0000-4000-8000-000000000002',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    });
    NanoEnforcer.exclude(single, 'measured separately');
    expect(envOf(Template.fromStack(stack), 'SingletonLambda')).toBeUndefined();
  });

  test('overridePolicy replaces the policy for its scope only', () => {
    const { stack } = protectedApp({ policy: { mode: EnforcementMode.BLOCK } });
    const special = nodeFn(stack, 'Special');
    nodeFn(stack, 'Normal');
    NanoEnforcer.overridePolicy(special, { mode: EnforcementMode.ALERT, allowedExecutables: ['curl'] });
    const template = Template.fromStack(stack);
    expect(JSON.parse(envOf(template, 'Special')?.NANO_ENFORCER_POLICY as string)).toEqual({ v: 1, m: 'a', a: ['curl'] });
    expect(JSON.parse(envOf(template, 'Normal')?.NANO_ENFORCER_POLICY as string)).toEqual({ v: 1 });
  });

  test('exclude needs a reason', () => {
    const { stack } = protectedApp();
    expect(() => NanoEnforcer.exclude(stack, ' ')).toThrow(/Stack: NanoEnforcer.exclude needs a reason/);
  });

  test('overridePolicy rejects a bad policy naming the construct path', () => {
    const { stack } = protectedApp();
    const fn = nodeFn(stack, 'Fn');
    expect(() => NanoEnforcer.overridePolicy(fn, { allowedExecutables: ['bin/tool'] }))
      .toThrow(/Stack\/Fn \(NanoEnforcer.overridePolicy\): policy.allowedExecutables\[0\] \('bin\/tool'\) is a relative path/);
  });
});

describe('policy validation', () => {
  test.each([
    [{ allowedExecutables: [''] }, /policy.allowedExecutables\[0\] is empty/],
    [{ blockedExecutables: ['xmrig', '  '] }, /policy.blockedExecutables\[1\] is empty/],
    [{ allowedExecutables: [' curl'] }, /leading or trailing white space. Write 'curl'/],
    [{ blockedExecutables: ['sha256:abc'] }, /policy.blockedExecutables\[0\] \('sha256:abc'\) is not a valid hash entry. Write 'sha256:' followed by 64 lowercase hex digits/],
    [{ allowedExecutables: ['./bin/catdoc'] }, /policy.allowedExecutables\[0\] \('.\/bin\/catdoc'\) is a relative path. Use a bare command name/],
    [{ allowedExecutables: ['curl'], blockedExecutables: ['curl'] }, /policy.allowedExecutables and policy.blockedExecutables both list 'curl'/],
    [{ allowedWritablePaths: ['tmp/x'] }, /policy.allowedWritablePaths\[0\] \('tmp\/x'\) is not absolute/],
    [{ allowInlineCode: ['/usr/bin/node'] }, /policy.allowInlineCode\[0\] \('\/usr\/bin\/node'\) is not a bare interpreter name/],
    [{ mode: 'LOUD' as EnforcementMode }, /policy.mode \('LOUD'\) is not an EnforcementMode/],
  ])('rejects %j', (policy, message) => {
    expect(() => new NanoEnforcerAspect({ policy })).toThrow(message);
    expect(() => new NanoEnforcerAspect({ policy })).toThrow(/^NanoEnforcerAspect: /);
  });

  test('rejects a token as an entry', () => {
    const token = Token.asString({ Ref: 'X' });
    expect(() => new NanoEnforcerAspect({ policy: { allowedExecutables: [token] } })).toThrow(/policy.allowedExecutables\[0\] is a token/);
  });

  test('accepts names, absolute paths, globs and hashes', () => {
    expect(() => new NanoEnforcerAspect({
      policy: { allowedExecutables: ['curl', 'nc.openbsd', '/var/task/bin/catdoc', '/var/task/bin/*', `sha256:${'0f'.repeat(32)}`] },
    })).not.toThrow();
  });
});
