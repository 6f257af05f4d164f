// The bench app: a trivial and a realistic handler, each under the default
// policy (BLOCK, drift prevention) and under a strict allowlist with honeypots.
// Run by bench/run.ts through the local Lambda harness (src/harness/).
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EnforcementMode, NanoEnforcer, NanoEnforcerAspect } from '../../src';

const app = new App();
const stack = new Stack(app, 'Bench');

const handlers = ['trivial', 'realistic'];
const defaults = new Construct(stack, 'Default');
const strict = new Construct(stack, 'Strict');
for (const scope of [defaults, strict]) {
  for (const name of handlers) {
    new lambda.Function(scope, name, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, 'functions', name)),
      memorySize: 1024,
    });
  }
}
NanoEnforcer.overridePolicy(strict, {
  mode: EnforcementMode.BLOCK,
  allowedExecutables: ['true'],
  honeypots: { enabled: true },
});

Aspects.of(app).add(new NanoEnforcerAspect({ policy: { mode: EnforcementMode.BLOCK } }));
app.synth();
