// An app of BENCH_FUNCTIONS (default 500) inline-code Node.js functions, with
// the aspect when BENCH_ASPECT=1: the `cdk synth` cost of the aspect.
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NanoEnforcerAspect } from '../../src';

const app = new App();
const count = Number(process.env.BENCH_FUNCTIONS ?? 500);
// CloudFormation allows 500 resources per stack; a function is two (with its role).
const perStack = 100;
for (let s = 0; s * perStack < count; s++) {
  const stack = new Stack(app, `Synth${s}`);
  for (let i = s * perStack; i < Math.min(count, (s + 1) * perStack); i++) {
    new lambda.Function(stack, `Fn${i}`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(`exports.handler = async () => ${i};`),
    });
  }
}
if (process.env.BENCH_ASPECT === '1') Aspects.of(app).add(new NanoEnforcerAspect());
app.synth();
