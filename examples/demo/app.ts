// Two deliberately vulnerable functions, written for this demo, protected by
// the aspect. `npm run demo` synthesizes this app and attacks both functions
// through the local Lambda harness, with and without the layer.
//
// Context: -c nanoEnforcerMode=ALERT synthesizes the same app in ALERT mode.
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnforcementMode, NanoEnforcer, NanoEnforcerAspect } from '../../src';

const app = new App();
const mode = app.node.tryGetContext('nanoEnforcerMode') === 'ALERT' ? EnforcementMode.ALERT : EnforcementMode.BLOCK;
const stack = new Stack(app, 'NanoEnforcerDemo');

// Modelled on OWASP ServerlessGoat: a document URL pasted, unquoted, into a shell line.
const converter = new lambda.Function(stack, 'DocConverter', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'functions', 'doc-converter')),
});
// It runs exactly curl and its own converter, through /bin/sh.
NanoEnforcer.overridePolicy(converter, {
  mode,
  allowedExecutables: ['sh', 'curl', '/var/task/bin/catdoc', 'tr'],
});

// Unsafe deserialisation, as node-serialize does it: default drift prevention.
new lambda.Function(stack, 'Preferences', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromAsset(path.join(__dirname, 'functions', 'preferences')),
});

Aspects.of(app).add(new NanoEnforcerAspect({ policy: { mode } }));

app.synth();
