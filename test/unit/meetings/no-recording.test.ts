import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import {
  CHIME_DENIED_ACTIONS,
  meetingHostStatements,
  NO_RECORDING_SID,
  noRecordingDenyStatement,
  noRecordingServiceControlPolicy,
} from '../../../infra/constructs/no-recording';
import { CHIME_ACTIONS_USED } from '../../../layers/meetings/chime-meetings';

/** What the AWS-managed AmazonChimeSDK policy allows that records, transcribes or captures (never attach it). */
const MANAGED_POLICY_RECORDING_ACTIONS = [
  'chime:StartMeetingTranscription',
  'chime:CreateMediaCapturePipeline',
  'chime:CreateMediaConcatenationPipeline',
  'chime:CreateMediaLiveConnectorPipeline',
];

const json = (statement: PolicyStatement) => statement.toStatementJson() as Record<string, unknown>;

describe('never recorded, by construction', () => {
  it('denies every way of copying media out of a meeting, transcribing it or adding a listener', () => {
    expect(json(noRecordingDenyStatement())).toEqual({
      Sid: NO_RECORDING_SID,
      Effect: 'Deny',
      Action: [
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
      ],
      Resource: '*',
    });
    for (const action of MANAGED_POLICY_RECORDING_ACTIONS) expect(CHIME_DENIED_ACTIONS).toContain(action);
  });

  it('allows the host exactly the calls the adapter makes, on this account’s meetings in the control region', () => {
    const [host, tagging] = meetingHostStatements({ controlRegion: 'eu-west-2', account: '123456789012' });
    expect(json(host as PolicyStatement)).toEqual({
      Sid: 'HostVideoConsultations',
      Effect: 'Allow',
      Action: [
        'chime:CreateMeetingWithAttendees',
        'chime:UpdateAttendeeCapabilities',
        'chime:DeleteAttendee',
        'chime:DeleteMeeting',
      ],
      Resource: 'arn:aws:chime:eu-west-2:123456789012:meeting/*',
    });
    expect(json(tagging as PolicyStatement)).toEqual({
      Sid: 'TagMeetingsAtCreation',
      Effect: 'Allow',
      Action: 'chime:TagResource',
      Resource: 'arn:aws:chime:eu-west-2:123456789012:meeting/*',
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['practice', 'stage'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    });
  });

  it('allows nothing it denies, and nothing the adapter does not call', () => {
    const allowed = meetingHostStatements({ controlRegion: 'eu-central-1', account: '123456789012' }).flatMap(
      (statement) => statement.actions,
    );
    for (const action of allowed) expect(CHIME_DENIED_ACTIONS).not.toContain(action);
    expect(allowed.filter((a) => a !== 'chime:TagResource')).toEqual([...CHIME_ACTIONS_USED]);
    expect(allowed.some((a) => a.includes('*'))).toBe(false);
  });

  it('refuses a control region outside the EU', () => {
    expect(() => meetingHostStatements({ controlRegion: 'us-east-1', account: '123456789012' })).toThrow(
      /not an EU control region/,
    );
  });

  it('gives the organisation an SCP with the same deny, minus the app-level attendee rule', () => {
    const scp = noRecordingServiceControlPolicy();
    expect(scp.Statement).toHaveLength(1);
    expect(scp.Statement[0]).toMatchObject({ Effect: 'Deny', Resource: '*' });
    expect(scp.Statement[0]?.Action).toEqual(
      CHIME_DENIED_ACTIONS.filter((a) => a !== 'chime:CreateAttendee' && a !== 'chime:BatchCreateAttendee'),
    );
    for (const action of MANAGED_POLICY_RECORDING_ACTIONS) expect(scp.Statement[0]?.Action).toContain(action);
    // SCPs are at most 5,120 characters.
    expect(JSON.stringify(scp).length).toBeLessThan(5_120);
  });
});
