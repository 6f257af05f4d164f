import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * A canary AWS access key planted as a decoy in every protected function.
 */
export interface CanaryKeyOptions {
  /**
   * The variable that holds the canary's access key id.
   *
   * @default 'BACKUP_AWS_ACCESS_KEY_ID'
   */
  readonly accessKeyIdVariable?: string;

  /**
   * The variable that holds the canary's secret access key.
   *
   * @default 'BACKUP_AWS_SECRET_ACCESS_KEY'
   */
  readonly secretAccessKeyVariable?: string;

  /**
   * The CloudWatch Logs group of a CloudTrail trail (ideally multi-region).
   * Read-only calls (Get*, List*, Describe*, sts:GetCallerIdentity) reach
   * EventBridge only through a trail; with this, any use of the key that the
   * trail records raises the alarm.
   *
   * @default - EventBridge only: write calls made in this stack's region
   */
  readonly trailLogGroup?: logs.ILogGroup;
}

/**
 * Properties of NanoEnforcerCanaryKey.
 */
export interface NanoEnforcerCanaryKeyProps extends CanaryKeyOptions {
  /** Where alerts go. */
  readonly topic: sns.ITopic;
}

/**
 * An IAM user that may do nothing (an explicit deny on everything), its
 * access key, and the alerts on any use of that key: an EventBridge rule on
 * CloudTrail events, and optionally a metric filter and alarm on a trail's
 * log group. Legitimate code never uses it, so any use, anywhere, is a breach.
 */
export class NanoEnforcerCanaryKey extends Construct {
  /** The canary user. */
  public readonly user: iam.User;
  /** The canary access key. */
  public readonly accessKey: iam.AccessKey;
  /** The variable names the key is planted under. */
  public readonly accessKeyIdVariable: string;
  /** The variable names the secret is planted under. */
  public readonly secretAccessKeyVariable: string;

  constructor(scope: Construct, id: string, props: NanoEnforcerCanaryKeyProps) {
    super(scope, id);
    this.accessKeyIdVariable = props.accessKeyIdVariable ?? 'BACKUP_AWS_ACCESS_KEY_ID';
    this.secretAccessKeyVariable = props.secretAccessKeyVariable ?? 'BACKUP_AWS_SECRET_ACCESS_KEY';

    this.user = new iam.User(this, 'User');
    this.user.addToPrincipalPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['*'], resources: ['*'] }));
    this.accessKey = new iam.AccessKey(this, 'AccessKey', { user: this.user });

    new events.Rule(this, 'UseRule', {
      description: 'cdk-nano-enforcer: the canary access key planted in Lambda functions was used',
      eventPattern: {
        detailType: ['AWS API Call via CloudTrail'],
        detail: { userIdentity: { accessKeyId: [this.accessKey.accessKeyId] } },
      },
      targets: [new targets.SnsTopic(props.topic)],
    });

    if (props.trailLogGroup) {
      const metric = new cloudwatch.Metric({
        namespace: `NanoEnforcer/${Stack.of(this).stackName}`,
        metricName: 'CanaryKeyUse',
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      });
      new logs.MetricFilter(this, 'TrailFilter', {
        logGroup: props.trailLogGroup,
        filterPattern: logs.FilterPattern.stringValue('$.userIdentity.accessKeyId', '=', this.accessKey.accessKeyId),
        metricNamespace: metric.namespace,
        metricName: metric.metricName,
        metricValue: '1',
      });
      const alarm = new cloudwatch.Alarm(this, 'TrailAlarm', {
        alarmDescription: 'cdk-nano-enforcer: the canary access key planted in Lambda functions was used (CloudTrail)',
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new cloudwatch_actions.SnsAction(props.topic));
    }
  }

  /** The decoy variables to plant: the key id and the secret, as template references. */
  public decoyVariables(): { [name: string]: string } {
    return {
      [this.accessKeyIdVariable]: this.accessKey.accessKeyId,
      // A GetAtt in the template, never the value; the key can do nothing.
      [this.secretAccessKeyVariable]: this.accessKey.secretAccessKey.unsafeUnwrap(),
    };
  }
}
