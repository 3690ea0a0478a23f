import { Aws, Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { CHIME_MEETING_EVENT_PATTERN } from '../../layers/meetings/meeting-events';
import { CONTROL_REGIONS, type ControlRegion } from '../../layers/meetings/regions';
import { StageConfigError } from '../config';
import { acknowledge } from '../constructs/acknowledge';
import { meetingHostStatements } from '../constructs/no-recording';
import { createLocalMeetingService, MEETINGS_API_PATH } from '../local/meetings/meeting-service';
import { SIGNALLING_PATH } from '../local/meetings/signalling-server';
import { defineCapability } from './capability';

/** EventBridge's own retries, which the local stand-in copies. */
const DELIVERY_ATTEMPTS = 3;

/**
 * Video meetings: the Amazon Chime SDK in AWS, the local meeting service (WebRTC between the two browsers,
 * WebSocket signalling) on `npm start`. A function that `uses` it creates, admits to and ends meetings; a
 * function it `trigger`s receives their state changes, in EventBridge's "Chime Meeting State Change" shape in
 * both places. Chime is called in the stage's region, which must be an EU control region (London or
 * Frankfurt): meetings can only be changed, and send their events, where they were made. Media goes to the
 * EU media region each consultation names. Nothing is ever recorded: every role of the app carries the deny
 * of capture, transcription and pipelines (infra/constructs/no-recording.ts, applied to the whole app).
 */
export const capability = defineCapability({
  id: 'meetings',
  summary: 'Video meetings (Amazon Chime SDK; the local meeting service)',
  clients: ['ChimeSDKMeetings'],

  aws(stage) {
    const region = stage.config.region;
    if (!(CONTROL_REGIONS as readonly string[]).includes(region)) {
      throw new StageConfigError(
        `Invalid stage configuration (CDK context). region: video consultations need a Chime control region ` +
          `in the EU (${CONTROL_REGIONS.join(', ')}); "${region}" is not one.`,
      );
    }
    let failed: Queue | undefined;
    return {
      use: () => ({
        environment: { CHIME_CONTROL_REGION: region },
        statements: meetingHostStatements({
          controlRegion: region as ControlRegion,
          account: Aws.ACCOUNT_ID,
          partition: Aws.PARTITION,
        }),
        acknowledgements: [
          {
            findings: [
              `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:${region}:<AWS::AccountId>:meeting/*]`,
            ],
            reason:
              'A meeting’s id is made by Chime when the consultation is admitted, so no policy can name it in ' +
              'advance: meetings of this account in the control region only, and only the four calls the ' +
              'adapter makes (the recording, transcription and extra-attendee actions are denied to every role).',
          },
        ],
      }),
      invocation: () => ({
        deadLetterQueue:
          'Invoked asynchronously by an EventBridge rule; events the function fails on, after Lambda\u2019s two ' +
          'retries, go to an encrypted on-failure queue (an SQS destination), which is what this finding asks for.',
        concurrency:
          'At most a handful of events per consultation (joined, left, dropped, ended): its rate is bounded by the ' +
          'number of consultations, which the invite limits bound.',
      }),
      trigger(user, { fn, permissions }) {
        if (!failed) {
          failed = new Queue(stage.scope, 'MeetingEventsFailed', {
            encryption: QueueEncryption.SQS_MANAGED,
            enforceSSL: true,
            retentionPeriod: Duration.days(14),
          });
          acknowledge(
            failed,
            ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy' as string],
            'This queue is itself the dead letter of the meeting event function: a dead letter queue of its own would only move failures once more.',
          );
          stage.addOperatorAlarm(
            new Alarm(stage.scope, 'MeetingEventsFailedAlarm', {
              alarmDescription:
                'Meeting events the consultation state could not take after every retry are in the failures ' +
                'queue: a consultation may show the wrong state (a patient still "in the call"). The grace sweep ' +
                'ends stale ones; look at the function’s logs by request id.',
              metric: failed.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
              threshold: 1,
              evaluationPeriods: 1,
              comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
              treatMissingData: TreatMissingData.NOT_BREACHING,
            }),
          );
        }
        fn.configureAsyncInvoke({ onFailure: new SqsDestination(failed), retryAttempts: 2 });
        permissions.addStatements(
          new PolicyStatement({
            sid: 'SendFailedMeetingEvents',
            effect: Effect.ALLOW,
            actions: ['sqs:SendMessage'],
            resources: [failed.queueArn],
          }),
        );
        new Rule(stage.scope, `${user.id}MeetingEvents`, {
          description: 'Chime meeting and attendee state changes of this account, to the consultation state',
          eventPattern: CHIME_MEETING_EVENT_PATTERN,
          // Events EventBridge could not deliver at all land on the same queue as the function's failures.
          targets: [
            new LambdaFunction(fn, {
              retryAttempts: 2,
              maxEventAge: Duration.hours(1),
              deadLetterQueue: failed,
            }),
          ],
        });
      },
    };
  },

  async local(stage) {
    const service = createLocalMeetingService({ origin: stage.origin });
    return {
      environment: { MEETINGS_LOCAL_URL: `${stage.origin}${MEETINGS_API_PATH}` },
      mounts: [{ prefix: MEETINGS_API_PATH, handle: service.handle }],
      upgrade: service.handleUpgrade,
      webConfig: { video: { provider: 'local-webrtc', signallingUrl: SIGNALLING_PATH } },
      trigger(user, invoke) {
        service.onStateChange((event) => {
          // As EventBridge: asynchronous, a few attempts, then given up (and said so).
          const attempt = async (left: number): Promise<void> => {
            try {
              await invoke(event);
            } catch (error) {
              if (left > 1) return attempt(left - 1);
              console.error(
                `[meetings] ${user.id} failed on ${event.detail.eventType}: ${(error as Error).message}`,
              );
            }
          };
          void attempt(DELIVERY_ATTEMPTS);
        });
      },
      /** What a network failure does to one attendee's connection (browser tests: drop and reconnect). */
      dropConnection: (attendeeId: string) => service.dropConnection(attendeeId),
      describe: () => [
        `Local video meetings: peer to peer in the browser, signalling at ${stage.origin.replace(/^http/, 'ws')}${SIGNALLING_PATH}`,
      ],
      close: () => service.close(),
    };
  },
});
