import { type CfnResource, type IAspect, Lazy, Stack } from 'aws-cdk-lib';
import { CfnRole, Effect, ManagedPolicy, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { CHIME_ACTIONS_USED } from '../../layers/meetings/chime-meetings';
import { type ControlRegion, parseControlRegion } from '../../layers/meetings/regions';

/**
 * Never recorded, by construction (R9): what the app's roles may do with Amazon Chime, and what none of them
 * may ever do, whatever else is attached to them later (an explicit Deny beats every Allow, including the
 * AWS-managed `AmazonChimeSDK` policy, which allows capture pipelines and transcription: never attach it).
 *
 * Action names are the Service Authorization Reference's for "Amazon Chime" (service prefix `chime`, which
 * also covers the Chime SDK meetings and media-pipelines namespaces).
 */

/**
 * Everything that could copy a consultation's media out of the meeting, or let someone else hear it:
 * - media capture (to S3), concatenation, live connector (RTMP out), media stream pipelines (to Kinesis Video
 *   Streams) and the KVS pools they write into;
 * - media insights pipelines (call analytics, recording, voice analytics) and their configurations, and
 *   resuming a paused one;
 * - live transcription of a meeting, speaker search and voice tone analysis;
 * - dialling a phone number into the meeting, and adding attendees: the meeting is for two people, both
 *   created with it, and a third attendee could listen in.
 */
export const CHIME_DENIED_ACTIONS = [
  'chime:CreateMediaCapturePipeline',
  'chime:CreateMediaConcatenationPipeline',
  'chime:CreateMediaLiveConnectorPipeline',
  'chime:CreateMediaStreamPipeline',
  'chime:CreateMediaPipelineKinesisVideoStreamPool',
  'chime:CreateMediaInsightsPipeline',
  'chime:CreateMediaInsightsPipelineConfiguration',
  'chime:UpdateMediaInsightsPipelineStatus',
  'chime:StartMeetingTranscription',
  'chime:StartSpeakerSearchTask',
  'chime:StartVoiceToneAnalysisTask',
  'chime:CreateMeetingDialOut',
  'chime:CreateAttendee',
  'chime:BatchCreateAttendee',
] as const;

/** The same deny, for an AWS Organizations service control policy (covers every principal of the account). */
export const CHIME_SCP_DENIED_ACTIONS = CHIME_DENIED_ACTIONS.filter(
  // Adding attendees is an app-level rule; other Chime workloads in the same account may need it.
  (action) => action !== 'chime:CreateAttendee' && action !== 'chime:BatchCreateAttendee',
);

export const NO_RECORDING_SID = 'NeverRecordTranscribeOrAddListeners';

/** The explicit Deny, for every role of the app. */
export function noRecordingDenyStatement(): PolicyStatement {
  return new PolicyStatement({
    sid: NO_RECORDING_SID,
    effect: Effect.DENY,
    actions: [...CHIME_DENIED_ACTIONS],
    resources: ['*'],
  });
}

export interface MeetingHostAccess {
  /** Meetings are created, updated and deleted in one control region (the events come from there too). */
  controlRegion: ControlRegion | string;
  account: string;
  partition?: string;
}

/**
 * What the function that hosts consultations may do: exactly the calls `ChimeMeetings` makes, on meetings of
 * this account in the control region. Tagging is allowed only for the meeting's own tags (`practice`, `stage`)
 * and only together with creating the meeting: the API reference asks for the service's tagging permission
 * besides the create action when `Tags` are given, and `chime:TagResource` scoped this way lets nothing else
 * be tagged or re-tagged.
 */
export function meetingHostStatements(access: MeetingHostAccess): PolicyStatement[] {
  const region = parseControlRegion(access.controlRegion);
  const meetings = `arn:${access.partition ?? 'aws'}:chime:${region}:${access.account}:meeting/*`;
  return [
    new PolicyStatement({
      sid: 'HostVideoConsultations',
      effect: Effect.ALLOW,
      actions: [...CHIME_ACTIONS_USED],
      resources: [meetings],
    }),
    new PolicyStatement({
      sid: 'TagMeetingsAtCreation',
      effect: Effect.ALLOW,
      actions: ['chime:TagResource'],
      resources: [meetings],
      conditions: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['practice', 'stage'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    }),
  ];
}

/** The organisation-level guard: attach to the OU or accounts that run Clinic Connect. */
export function noRecordingServiceControlPolicy(): {
  Version: '2012-10-17';
  Statement: { Sid: string; Effect: 'Deny'; Action: string[]; Resource: '*' }[];
} {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ClinicConnectNeverRecordsConsultations',
        Effect: 'Deny',
        Action: [...CHIME_SCP_DENIED_ACTIONS],
        Resource: '*',
      },
    ],
  };
}

/** The deny as a policy document, for an inline policy named the same everywhere. */
export function noRecordingPolicyDocument(): PolicyDocument {
  return new PolicyDocument({ statements: [noRecordingDenyStatement()] });
}

/**
 * `Aspects.of(app).add(new NoRecordingAspect())`: the deny on every role the app defines, L2 (`Role`) or L1
 * (`CfnRole`, and the CDK's own custom-resource provider roles, which are plain `AWS::IAM::Role` resources),
 * so a role added later cannot be forgotten. One customer-managed policy per stack, attached to each role
 * (the compliance packs refuse inline policies). Idempotent.
 */
export class NoRecordingAspect implements IAspect {
  private readonly done = new WeakSet<IConstruct>();
  private readonly policies = new Map<Stack, ManagedPolicy>();

  visit(node: IConstruct): void {
    if (this.done.has(node)) return;
    if (node instanceof Role) {
      this.done.add(node);
      node.addManagedPolicy(this.policyOf(Stack.of(node)));
      return;
    }
    if (node instanceof CfnRole) {
      // An L2 role's own L1: the policy is attached through the L2 above.
      if (node.node.scope instanceof Role) return;
      this.done.add(node);
      const arn = this.policyOf(Stack.of(node)).managedPolicyArn;
      const existing = Array.isArray(node.managedPolicyArns) ? node.managedPolicyArns : [];
      node.managedPolicyArns = [...existing, arn];
      return;
    }
    const resource = node as Partial<CfnResource>;
    if (resource.cfnResourceType === 'AWS::IAM::Role' && typeof resource.addPropertyOverride === 'function') {
      this.done.add(node);
      const stack = Stack.of(node);
      const arn = this.policyOf(stack).managedPolicyArn;
      // The provider's own properties may still change: append at synth time.
      const properties = (node as unknown as { _cfnProperties?: Record<string, unknown> })._cfnProperties;
      const existing = properties?.ManagedPolicyArns;
      resource.addPropertyOverride(
        'ManagedPolicyArns',
        Lazy.any({
          produce: () => {
            const resolved: unknown = stack.resolve(existing);
            return [...(Array.isArray(resolved) ? resolved : []), stack.resolve(arn)];
          },
        }),
      );
    }
  }

  private policyOf(stack: Stack): ManagedPolicy {
    let policy = this.policies.get(stack);
    if (!policy) {
      policy = new ManagedPolicy(stack, 'NeverRecordConsultations', {
        description: 'Consultations are never recorded, transcribed or listened to: denied to every role',
        document: noRecordingPolicyDocument(),
      });
      this.done.add(policy);
      this.policies.set(stack, policy);
    }
    return policy;
  }
}
