// The TypeScript twin of examples/python/app.py and examples/java: the same
// construct ids and the same non-default policy, so that
// scripts/prove-jsii-targets.sh can compare what each language synthesizes
// against what TypeScript synthesizes. The function code in functions/ is
// shared by all three apps.
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { EnforcementMode, NanoEnforcer, NanoEnforcerAspect } from '../../src';

const functions = path.join(__dirname, 'functions');
// Set by the script to check that bad input fails the same way in every language.
const invalid = process.env.NANO_ENFORCER_EXAMPLE_INVALID === '1';

const app = new App();
const stack = new Stack(app, 'NanoEnforcerPolyglotExample');

new NodejsFunction(stack, 'Orders', {
  entry: path.join(functions, 'orders', 'index.ts'),
  runtime: lambda.Runtime.NODEJS_22_X,
  environment: { NODE_OPTIONS: '--enable-source-maps', TABLE_NAME: 'orders' },
  bundling: { forceDockerBundling: false, sourceMap: true },
});

new lambda.Function(stack, 'Thumbnail', {
  runtime: lambda.Runtime.NODEJS_20_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(functions, 'thumbnail')),
});

const legacy = new lambda.Function(stack, 'LegacyReport', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(functions, 'report')),
});
NanoEnforcer.exclude(legacy, 'runs a vendored PDF renderer unpacked into /tmp; review by 2027-01');

new lambda.Function(stack, 'PythonJob', {
  runtime: lambda.Runtime.PYTHON_3_12,
  handler: 'index.handler',
  code: lambda.Code.fromInline('def handler(event, context):\n    return "ok"\n'),
});

Aspects.of(app).add(new NanoEnforcerAspect({
  policy: {
    mode: EnforcementMode.ALERT,
    allowedExecutables: invalid ? ['./bin/x'] : ['curl', '/var/task/bin/catdoc'],
    blockedExecutables: [
      ...NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES,
      'sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
    ],
  },
}));

app.synth();
