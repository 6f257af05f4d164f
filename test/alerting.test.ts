import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AlertingOptions, NanoEnforcerAspect } from '../src';
import { cfnLintFindings } from './support/cfn-lint';

function appWith(alerting: AlertingOptions | undefined, build: (stack: Stack) => void) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  Aspects.of(app).add(new NanoEnforcerAspect({ alerting }));
  return { stack, template: Template.fromStack(stack) };
}

function nodeFn(stack: Stack, id: string, props: Partial<lambda.FunctionProps> = {}) {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => 1;'),
    ...props,
  });
}

describe('alerting', () => {
  test('creates nothing for alerting unless asked', () => {
    const { template } = appWith(undefined, s => nodeFn(s, 'Fn'));
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('watches each protected function with metric filters built on the event schema', () => {
    const { template } = appWith({ emailAddresses: ['secops@example.com'] }, s => {
      nodeFn(s, 'A');
      nodeFn(s, 'B');
      new lambda.Function(s, 'Py', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'i.h', code: lambda.Code.fromInline('x') });
    });
    // Two filters per protected function (A, B); none for the Python function or the helper.
    template.resourceCountIs('AWS::Logs::MetricFilter', 4);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.source = "nano-enforcer" }',
      MetricTransformations: [{ MetricNamespace: 'NanoEnforcer/Stack', MetricName: 'Events', MetricValue: '1' }],
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      MetricTransformations: [{
        MetricNamespace: 'NanoEnforcer/Stack',
        MetricName: 'EventsByControl',
        Dimensions: Match.arrayWith([{ Key: 'control', Value: '$.control' }, { Key: 'action', Value: '$.action' }]),
      }],
    });
  });

  test('alarms on any event and notifies a new topic with its subscriptions', () => {
    const { template } = appWith({ emailAddresses: ['secops@example.com'], httpsEndpoints: ['https://events.pagerduty.com/integration/abc/enqueue'] }, s => nodeFn(s, 'Fn'));
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://events.pagerduty.com/integration/abc/enqueue' });
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'NanoEnforcer/Stack',
      MetricName: 'Events',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  test('notifies the user\'s own topic and creates none', () => {
    const app = new App();
    const shared = new Stack(app, 'Shared', { env: { account: '111111111111', region: 'eu-west-1' } });
    const topic = new sns.Topic(shared, 'OnCall');
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    nodeFn(stack, 'Fn');
    Aspects.of(app).add(new NanoEnforcerAspect({ alerting: { topic } }));
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ 'Fn::ImportValue': Match.stringLikeRegexp('OnCall') }] });
  });

  test('creates the log group first when Lambda would only create it on the first invocation', () => {
    const { template } = appWith({}, s => nodeFn(s, 'Fn'));
    const creates = template.findResources('Custom::AWS');
    expect(Object.keys(creates)).toHaveLength(1);
    const [createId, create] = Object.entries(creates)[0];
    expect(JSON.stringify(create.Properties.Create)).toContain('createLogGroup');
    expect(JSON.stringify(create.Properties.Create)).toContain('ResourceAlreadyExistsException');
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'));
    for (const filter of filters) expect(filter.DependsOn).toContain(createId);
  });

  test('uses the log group the function was given, without creating one', () => {
    const { template } = appWith({}, s => {
      const group = new logs.LogGroup(s, 'Group', { retention: logs.RetentionDays.ONE_WEEK });
      nodeFn(s, 'Fn', { logGroup: group });
    });
    template.resourceCountIs('Custom::AWS', 0);
    const groupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    template.hasResourceProperties('AWS::Logs::MetricFilter', { LogGroupName: { Ref: groupId } });
  });

  test('does not protect or watch its own log group helper', () => {
    const { stack, template } = appWith({}, s => nodeFn(s, 'Fn'));
    const helper = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'));
    expect(helper).toBeDefined();
    expect(helper![1].Properties.Layers).toBeUndefined();
    expect(Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('log group helper'))).toHaveLength(1);
  });

  test.each([
    [{ topic: {} as sns.ITopic, emailAddresses: ['a@example.com'] }, /alerting.emailAddresses and alerting.httpsEndpoints subscribe to the topic the aspect creates, but alerting.topic is given/],
    [{ emailAddresses: ['not-an-address'] }, /alerting.emailAddresses\[0\] \('not-an-address'\) is not an email address/],
    [{ httpsEndpoints: ['http://hooks.example.com'] }, /alerting.httpsEndpoints\[0\] \('http:\/\/hooks.example.com'\) is not an https:\/\/ URL/],
  ])('rejects bad alerting props at construction: %#', (alerting, message) => {
    expect(() => new NanoEnforcerAspect({ alerting })).toThrow(message);
  });
});

describe('a template with alerting on', () => {
  test('passes cfn-lint', () => {
    const { template } = appWith({ emailAddresses: ['secops@example.com'], httpsEndpoints: ['https://events.pagerduty.com/x'] }, s => {
      nodeFn(s, 'Fn');
      nodeFn(s, 'WithGroup', { logGroup: new logs.LogGroup(s, 'Group') });
    });
    expect(cfnLintFindings(template.toJSON())).toEqual([]);
  }, 300_000);
});
