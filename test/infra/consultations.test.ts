import { Template } from 'aws-cdk-lib/assertions';
import type { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { ROUTES } from '../../functions/routes';
import { CHIME_DENIED_ACTIONS } from '../../infra/constructs/no-recording';
import { CHIME_ACTIONS_USED } from '../../layers/meetings/chime-meetings';
import { CHIME_MEETING_EVENT_PATTERN } from '../../layers/meetings/meeting-events';
import { buildTestApp, type TestApp } from './support';

/**
 * Video consultations in the synthesized app: the Chime actions only on the functions that declare the
 * meetings capability (admit, end, the meeting events and the grace sweep), exactly the adapter's calls;
 * never the join routes or the staff read routes; the EventBridge rule for Chime's state changes and the
 * sweep's schedule; and no recording, transcription or extra attendee anywhere, even as an Allow.
 */

let built: TestApp;
let template: Template;

beforeAll(() => {
  built = buildTestApp();
  template = Template.fromStack(built.api);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function statementsOf(id: string): Statement[] {
  const fn = built.api.functions.get(id);
  if (!fn) throw new Error(`no function ${id}`);
  const policy = fn.node.findChild('Permissions') as ManagedPolicy;
  const logicalId = built.api.getLogicalId(policy.node.defaultChild as never);
  return template.toJSON().Resources[logicalId].Properties.PolicyDocument.Statement as Statement[];
}

const chimeActions = (id: string) =>
  statementsOf(id)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => [s.Action].flat())
    .filter((action) => action.startsWith('chime:'));

describe('video consultations in AWS', () => {
  const all = [...ROUTES, ...EVENT_FUNCTIONS];
  const hosts = all.filter((definition) => definition.uses?.includes('meetings')).map((d) => d.id);

  it('gives the Chime actions only to the functions that use meetings, and exactly the adapter’s', () => {
    expect(hosts.sort()).toEqual([
      'admitPatient',
      'endConsultation',
      'recordMeetingEvent',
      'sweepConsultationGrace',
    ]);
    for (const id of hosts) {
      expect(chimeActions(id).sort(), id).toEqual([...CHIME_ACTIONS_USED, 'chime:TagResource'].sort());
    }
    for (const definition of all.filter((d) => !hosts.includes(d.id))) {
      expect(chimeActions(definition.id), definition.id).toEqual([]);
    }
    // The patient's routes never touch the meeting service.
    for (const id of ['openJoinLink', 'enterJoinCode', 'getJoinStatus', 'leaveConsultation']) {
      expect(chimeActions(id), id).toEqual([]);
    }
  });

  it('never allows recording, transcription or an extra attendee, on any policy of any stack', () => {
    const assembly = built.app.synth();
    for (const stack of assembly.stacks) {
      const stackTemplate = Template.fromJSON(stack.template as Record<string, unknown>);
      const policies = {
        ...stackTemplate.findResources('AWS::IAM::ManagedPolicy'),
        ...stackTemplate.findResources('AWS::IAM::Policy'),
      };
      for (const [id, policy] of Object.entries(policies)) {
        const allowed = (policy.Properties.PolicyDocument.Statement as Statement[])
          .filter((s) => s.Effect === 'Allow')
          .flatMap((s) => [s.Action].flat());
        for (const action of CHIME_DENIED_ACTIONS)
          expect(allowed, `${stack.stackName} ${id}`).not.toContain(action);
        expect(
          allowed.some((action) => action === 'chime:*' || action === '*'),
          id,
        ).toBe(false);
      }
      const arns = JSON.stringify(stackTemplate.findResources('AWS::IAM::Role'));
      expect(arns).not.toContain('AmazonChimeSDK');
    }
  });

  it('routes Chime’s meeting state changes to the meeting-event function, and ticks the grace sweep every minute', () => {
    const rules = template.findResources('AWS::Events::Rule');
    const chime = Object.values(rules).filter((rule) => rule.Properties.EventPattern);
    expect(chime).toHaveLength(1);
    expect(chime[0]?.Properties.EventPattern).toEqual(CHIME_MEETING_EVENT_PATTERN);
    const target = JSON.stringify(chime[0]?.Properties.Targets);
    const meetingFn = built.api.functions.get('recordMeetingEvent');
    expect(target).toContain(
      built.api.getLogicalId(meetingFn?.node.findChild('Function').node.defaultChild as never),
    );
    const schedules = Object.values(rules).filter(
      (rule) => rule.Properties.ScheduleExpression === 'rate(1 minute)',
    );
    const sweep = built.api.functions.get('sweepConsultationGrace');
    expect(
      schedules.some((rule) =>
        JSON.stringify(rule.Properties.Targets).includes(
          built.api.getLogicalId(sweep?.node.findChild('Function').node.defaultChild as never),
        ),
      ),
    ).toBe(true);
    // Failed meeting events end on an encrypted queue, not lost.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: {} } },
    });
  });

  it('tells the meeting functions the control region, and only them', () => {
    for (const definition of all) {
      const fn = built.api.functions.get(definition.id)?.node.findChild('Function').node.defaultChild;
      const resource = template.toJSON().Resources[built.api.getLogicalId(fn as never)];
      const variables = resource.Properties.Environment.Variables as Record<string, unknown>;
      expect('CHIME_CONTROL_REGION' in variables, definition.id).toBe(hosts.includes(definition.id));
    }
  });
});
