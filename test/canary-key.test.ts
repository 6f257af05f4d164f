import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CanaryKeyOptions, NanoEnforcerAspect } from '../src';
import { cfnLintFindings } from './support/cfn-lint';

function synth(canaryKey: CanaryKeyOptions, withTrail = false, honeypots = true) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  for (const id of ['A', 'B']) {
    new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
  }
  const trail = withTrail ? new logs.LogGroup(stack, 'Trail') : undefined;
  Aspects.of(app).add(new NanoEnforcerAspect({
    policy: { honeypots: { enabled: honeypots } },
    alerting: { emailAddresses: ['secops@example.com'] },
    canaryKey: { ...canaryKey, trailLogGroup: trail },
  }));
  return Template.fromStack(stack);
}

describe('the canary AWS key', () => {
  test('is an IAM user that may do nothing, with one access key', () => {
    const template = synth({});
    template.resourceCountIs('AWS::IAM::User', 1);
    template.resourceCountIs('AWS::IAM::AccessKey', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
      Users: [{ Ref: Match.stringLikeRegexp('NanoEnforcerCanaryKeyUser') }],
    });
  });

  test('is planted in every protected function as the decoy AWS key, by reference', () => {
    const template = synth({});
    const keyId = Object.keys(template.findResources('AWS::IAM::AccessKey'))[0];
    const protectedFns = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Layers: Match.anyValue() } }));
    expect(protectedFns).toHaveLength(2);
    for (const fn of protectedFns) {
      const env = fn.Properties.Environment.Variables;
      expect(env.BACKUP_AWS_ACCESS_KEY_ID).toEqual({ Ref: keyId });
      expect(env.BACKUP_AWS_SECRET_ACCESS_KEY).toEqual({ 'Fn::GetAtt': [keyId, 'SecretAccessKey'] });
      expect(JSON.parse(env.NANO_ENFORCER_POLICY).h.n).toEqual(expect.arrayContaining(['BACKUP_AWS_ACCESS_KEY_ID', 'BACKUP_AWS_SECRET_ACCESS_KEY']));
    }
  });

  test('alerts through EventBridge on any CloudTrail event made with the key', () => {
    const template = synth({});
    const keyId = Object.keys(template.findResources('AWS::IAM::AccessKey'))[0];
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'], 'detail': { userIdentity: { accessKeyId: [{ Ref: keyId }] } } },
      Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
    });
  });

  test('alerts on any use a trail records, given the trail\'s log group', () => {
    const template = synth({}, true);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: { 'Fn::Join': ['', ['{ $.userIdentity.accessKeyId = "', { Ref: Match.anyValue() }, '" }']] },
      MetricTransformations: [Match.objectLike({ MetricName: 'CanaryKeyUse' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CanaryKeyUse', Threshold: 1 });
  });

  test('is planted without honeypots too, for CloudTrail, but not watched in-process', () => {
    const template = synth({}, false, false);
    const keyId = Object.keys(template.findResources('AWS::IAM::AccessKey'))[0];
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Layers: Match.anyValue() } }))[0];
    expect(fn.Properties.Environment.Variables.BACKUP_AWS_ACCESS_KEY_ID).toEqual({ Ref: keyId });
    expect(JSON.parse(fn.Properties.Environment.Variables.NANO_ENFORCER_POLICY)).toEqual({ v: 1 });
  });

  test('uses the variable names given', () => {
    const template = synth({ accessKeyIdVariable: 'OLD_DEPLOY_KEY_ID', secretAccessKeyVariable: 'OLD_DEPLOY_SECRET' });
    const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Layers: Match.anyValue() } }))[0];
    expect(fn.Properties.Environment.Variables.OLD_DEPLOY_KEY_ID).toEqual({ Ref: expect.any(String) });
    // The generated decoy key keeps its own name next to the canary.
    expect(fn.Properties.Environment.Variables.BACKUP_AWS_ACCESS_KEY_ID).toMatch(/^AKIA/);
  });

  test('needs alerting, and free variable names', () => {
    expect(() => new NanoEnforcerAspect({ canaryKey: {} })).toThrow(/canaryKey needs alerting/);
    expect(() => new NanoEnforcerAspect({ alerting: {}, canaryKey: { accessKeyIdVariable: 'AWS_ACCESS_KEY_ID' } }))
      .toThrow(/canaryKey variable 'AWS_ACCESS_KEY_ID' is not a free environment variable name/);
  });

  test('a template with every option on passes cfn-lint', () => {
    expect(cfnLintFindings(synth({}, true).toJSON())).toEqual([]);
  }, 300_000);
});
