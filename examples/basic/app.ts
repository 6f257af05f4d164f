// An app with Node.js functions of every kind the aspect protects, and some it
// must leave alone. `npx cdk synth` in this folder shows what the aspect adds.
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { EnforcementMode, NanoEnforcer, NanoEnforcerAspect } from '../../src';

const app = new App();
const stack = new Stack(app, 'NanoEnforcerBasicExample');

new NodejsFunction(stack, 'Orders', {
  entry: path.join(__dirname, 'functions', 'orders', 'index.ts'),
  runtime: lambda.Runtime.NODEJS_22_X,
  environment: { NODE_OPTIONS: '--enable-source-maps' },
  bundling: { forceDockerBundling: false, sourceMap: true },
});

new lambda.Function(stack, 'Thumbnail', {
  runtime: lambda.Runtime.NODEJS_20_X,
  architecture: lambda.Architecture.ARM_64,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'functions', 'thumbnail')),
});

const legacy = new lambda.Function(stack, 'LegacyReport', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'functions', 'report')),
});
NanoEnforcer.exclude(legacy, 'runs a vendored PDF renderer unpacked into /tmp; review by 2027-01');

new lambda.Function(stack, 'PythonJob', {
  runtime: lambda.Runtime.PYTHON_3_12,
  handler: 'index.handler',
  code: lambda.Code.fromInline('def handler(event, context):\n    return "ok"\n'),
});

Aspects.of(app).add(new NanoEnforcerAspect({
  policy: { mode: EnforcementMode.BLOCK },
}));

app.synth();
