import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlarmDefinition } from '../../layers/functions/definition';

export interface OperatorAlarmsProps {
  /** Where alarms are sent besides the topic (which operators may subscribe to any way they like). */
  email?: string;
  /** The alarms areas and capabilities declare on their metrics (besides unhandled errors, always there). */
  alarms?: readonly AlarmDefinition[];
}

/** Every request path publishes it (layers/http/pipeline.ts), whatever areas and capabilities exist. */
export const UNHANDLED_ERRORS_ALARM: AlarmDefinition = {
  metric: 'UnhandledErrors',
  threshold: 1,
  periodMinutes: 5,
  description: 'A request failed with an unexpected error: see the logs by request id.',
};

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
 * Alarms for what an operator, not a clinician, must act on (PDS refusing our credentials, lookups hitting
 * their rate limits, unhandled errors, ...), as the areas and capabilities declare them. Each goes to one
 * encrypted SNS topic.
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

    const definitions = [UNHANDLED_ERRORS_ALARM, ...(props.alarms ?? [])].filter(
      (alarm, index, all) => all.findIndex((other) => other.metric === alarm.metric) === index,
    );
    this.alarms = definitions.map(({ metric, threshold, periodMinutes, description }) => {
      const alarm = new Alarm(this, metric, {
        metric: appMetric(metric, Duration.minutes(periodMinutes)),
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
