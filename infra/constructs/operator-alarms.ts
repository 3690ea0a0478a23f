import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface OperatorAlarmsProps {
  /** Where alarms are sent besides the topic (which operators may subscribe to any way they like). */
  email?: string;
}

/** The metrics the handlers publish (namespace and `service` dimension from the Powertools settings). */
function appMetric(metricName: string, period: Duration): Metric {
  return new Metric({
    namespace: 'ClinicConnect',
    metricName,
    dimensionsMap: { service: 'clinic-connect' },
    statistic: 'Sum',
    period,
  });
}

/**
 * Alarms for what an operator, not a clinician, must act on: PDS refusing our credentials, PDS not
 * answering, lookups hitting their rate limits (enumeration, or limits set too low), and unhandled errors.
 * Each goes to one encrypted SNS topic.
 */
export class OperatorAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: OperatorAlarmsProps = {}) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: 'Encrypts the operator alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarms to the encrypted topic, for alarms of this account only.
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    const fiveMinutes = Duration.minutes(5);
    const definitions = [
      {
        id: 'PdsAccessDenied',
        metric: appMetric('PdsAccessDenied', fiveMinutes),
        threshold: 1,
        description:
          'PDS refused our credentials (401/403): no lookup can work. Check the PDS secret and key.',
      },
      {
        id: 'PdsUnavailable',
        metric: appMetric('PdsUnavailable', fiveMinutes),
        threshold: 5,
        description: 'PDS did not answer 5 or more lookups in 5 minutes.',
      },
      {
        id: 'LookupRateLimited',
        metric: appMetric('LookupRateLimited', Duration.hours(1)),
        threshold: 10,
        description:
          'Lookups refused by their rate limits 10 or more times in an hour: possible enumeration of NHS ' +
          'numbers (see the practice audit trail), or limits set too low.',
      },
      {
        id: 'UnhandledErrors',
        metric: appMetric('UnhandledErrors', fiveMinutes),
        threshold: 1,
        description: 'A request failed with an unexpected error: see the logs by request id.',
      },
    ];
    this.alarms = definitions.map(({ id: alarmId, metric, threshold, description }) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(new SnsAction(this.topic));
      return alarm;
    });
  }
}
