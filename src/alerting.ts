import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { NanoEnforcer } from './nano-enforcer';
import { validateAlerting } from './private/alerting-validation';

/**
 * How security events reach a person.
 */
export interface AlertingOptions {
  /**
   * The topic the alarm notifies. Pass a topic that is already wired to your
   * on-call tool, and an alert reaches a person with no step after `cdk deploy`.
   *
   * @default - a new topic in each stack, subscribed to `emailAddresses` and `httpsEndpoints`
   */
  readonly topic?: sns.ITopic;

  /**
   * Email addresses subscribed to the new topic. SNS asks each recipient to
   * confirm once before delivering.
   *
   * @default - none
   */
  readonly emailAddresses?: string[];

  /**
   * HTTPS endpoints subscribed to the new topic, e.g. a PagerDuty or Opsgenie
   * CloudWatch integration URL (these confirm the subscription themselves).
   *
   * @default - none
   */
  readonly httpsEndpoints?: string[];

  /**
   * The alarm's period: it fires when any protected function in the stack
   * reports an event within one period.
   *
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
}

/**
 * Properties of NanoEnforcerAlerting.
 */
export interface NanoEnforcerAlertingProps extends AlertingOptions {}

/**
 * The alerting pipeline of one stack: a metric filter on each protected
 * function's log group (built on the event schema: every event, and events by
 * `control` and `action`), an alarm on any event, and an SNS topic.
 * NanoEnforcerAspect creates one per stack when given `alerting`.
 */
export class NanoEnforcerAlerting extends Construct {
  /** The CloudWatch namespace of a stack's metrics. */
  public static metricNamespace(stack: Stack): string {
    return `NanoEnforcer/${stack.stackName}`;
  }

  /** The topic the alarm notifies. */
  public readonly topic: sns.ITopic;
  /** Fires when any watched function reports an event. */
  public readonly alarm: cloudwatch.Alarm;
  /** Every event of every watched function in the stack. */
  public readonly eventsMetric: cloudwatch.Metric;

  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: NanoEnforcerAlertingProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.namespace = NanoEnforcerAlerting.metricNamespace(stack);

    validateAlerting(props, this.node.path);

    let topic = props.topic;
    if (!topic) {
      const created = new sns.Topic(this, 'Topic', { displayName: 'cdk-nano-enforcer security events' });
      for (const email of props.emailAddresses ?? []) created.addSubscription(new subscriptions.EmailSubscription(email));
      for (const url of props.httpsEndpoints ?? []) created.addSubscription(new subscriptions.UrlSubscription(url));
      topic = created;
    }
    this.topic = topic;

    this.eventsMetric = new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: 'Events',
      statistic: cloudwatch.Stats.SUM,
      period: props.period ?? Duration.minutes(1),
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: 'cdk-nano-enforcer: a protected Lambda function reported a security event (blocked or detected). '
        + 'Find it with the CloudWatch Logs Insights query: filter source = "nano-enforcer"',
      metric: this.eventsMetric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new cloudwatch_actions.SnsAction(topic));
  }

  /**
   * Adds metric filters for a function's events on its log group, creating
   * the group first when it may not exist yet (a metric filter on a missing
   * group fails the deployment).
   */
  public watch(fn: lambda.Function): void {
    const id = `Watch${fn.node.addr}`;
    if (this.node.tryFindChild(id)) return;
    const scope = new Construct(this, id);
    const target = this.logGroupOf(fn, scope);
    const logGroup = logs.LogGroup.fromLogGroupName(scope, 'LogGroup', target.name);
    const pattern = logs.FilterPattern.stringValue('$.source', '=', 'nano-enforcer');

    new logs.MetricFilter(scope, 'Events', {
      logGroup,
      filterPattern: pattern,
      metricNamespace: this.namespace,
      metricName: 'Events',
      metricValue: '1',
    }).node.addDependency(...target.dependencies);
    new logs.MetricFilter(scope, 'EventsByControl', {
      logGroup,
      filterPattern: pattern,
      metricNamespace: this.namespace,
      metricName: 'EventsByControl',
      metricValue: '1',
      dimensions: { control: '$.control', action: '$.action' },
    }).node.addDependency(...target.dependencies);
  }

  private logGroupOf(fn: lambda.Function, scope: Construct): { name: string; dependencies: Construct[] } {
    // A log group the user gave the function (logGroup, logRetention) exists by the time it is used.
    if ((fn as unknown as { _logGroup?: logs.ILogGroup })._logGroup) {
      return { name: fn.logGroup.logGroupName, dependencies: [] };
    }
    // Otherwise Lambda creates /aws/lambda/<name> on the first invocation: create it now, unless it exists.
    const name = `/aws/lambda/${fn.functionName}`;
    const ensure = new cr.AwsCustomResource(scope, 'EnsureLogGroup', {
      onCreate: {
        service: 'CloudWatchLogs',
        action: 'createLogGroup',
        parameters: { logGroupName: name },
        physicalResourceId: cr.PhysicalResourceId.of(name),
        ignoreErrorCodesMatching: 'ResourceAlreadyExistsException',
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
        resources: [Stack.of(fn).formatArn({ service: 'logs', resource: 'log-group', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
      installLatestAwsSdk: false,
    });
    // The helper function that creates log groups is ours; it is not watched or enforced.
    const provider = Stack.of(this).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (provider) NanoEnforcer.exclude(provider, 'cdk-nano-enforcer\'s own log group helper (AwsCustomResource)');
    return { name, dependencies: [ensure] };
  }
}
