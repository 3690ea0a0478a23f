import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { ROUTES } from '../../functions/routes';
import { INVITE_QUEUE_MAX_RECEIVES } from '../../infra/capabilities/invite-queue';
import { countryRules } from '../../infra/capabilities/sms';
import { StageConfigError } from '../../infra/config';
import { buildTestApp, CUSTOM_DOMAIN, type TestApp } from './support';

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};
type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>;

let built: TestApp;
let template: Template;
let resources: Resources;

beforeAll(() => {
  built = buildTestApp({ smsAllowedCountries: 'GB,IE', smsMonthlySpendLimitUsd: '250' });
  template = Template.fromStack(built.api);
  resources = template.toJSON().Resources as Resources;
});

const actionsOf = (statement: Statement) => [statement.Action].flat();
const ALL_FUNCTIONS = [...ROUTES, ...EVENT_FUNCTIONS].map((definition) => definition.id);

function fn(id: string) {
  const found = built.api.functions.get(id);
  if (!found) throw new Error(`no function ${id}`);
  return found;
}

function logicalIdOf(construct: { node: { defaultChild?: unknown } }): string {
  return built.api.getLogicalId(construct.node.defaultChild as never);
}

function resource(logicalId: string) {
  const found = resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}`);
  return found;
}

function statementsOf(id: string): Statement[] {
  const policy = resource(logicalIdOf(fn(id).permissions));
  return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

function environmentOf(id: string): Record<string, unknown> {
  const found = resource(logicalIdOf(fn(id).function));
  return (found.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

function ofType(type: string) {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** Every policy document of the stack: managed, inline and resource policies alike. */
function everyStatement(): { id: string; statement: Statement }[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    const document = (resource.Properties.PolicyDocument ?? resource.Properties.KeyPolicy) as
      | { Statement: Statement[] }
      | undefined;
    return (document?.Statement ?? []).map((statement) => ({ id, statement }));
  });
}

describe('who may text a patient', () => {
  it('lets only the invite sender publish SMS (and check SNS’s opt-out list)', () => {
    const publishers = everyStatement().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        actionsOf(statement).some((action) => /^sns:(Publish|\*)$|^\*$/.test(action)),
    );
    // The operator alarm topic's own policy lets CloudWatch publish to it: that is a topic, not an SMS.
    const smsPublishers = publishers.filter(({ statement }) => JSON.stringify(statement.Resource) === '"*"');
    expect(smsPublishers.map(({ id }) => id)).toEqual([logicalIdOf(fn('sendInvites').permissions)]);
    const sender = statementsOf('sendInvites');
    const publish = sender.find((s) => s.Sid === 'PublishSmsToPhoneNumbers') as Statement;
    expect(actionsOf(publish).sort()).toEqual(['sns:CheckIfPhoneNumberIsOptedOut', 'sns:Publish']);
    expect(publish.Resource).toBe('*');
    // ...and not to any topic or endpoint of the account.
    expect(sender.find((s) => s.Sid === 'NoTopicsOrEndpoints')).toMatchObject({
      Effect: 'Deny',
      Action: 'sns:Publish',
    });
    for (const id of ALL_FUNCTIONS.filter((name) => name !== 'sendInvites')) {
      const sns = statementsOf(id).filter((s) => actionsOf(s).some((action) => action.startsWith('sns:')));
      expect(sns, id).toEqual([]);
    }
  });

  it('gives the sender its price cap and no sender ID on a stage without one', () => {
    expect(environmentOf('sendInvites')).toMatchObject({ SMS_MAX_PRICE_USD: '0.2' });
    expect(environmentOf('sendInvites')).not.toHaveProperty('SMS_SENDER_ID');
  });

  it('refuses a production stage without a registered sender ID, and passes one on', () => {
    const prod = {
      stage: 'prod',
      pdsEnvironment: 'production',
      pdsSecretName: 'clinic-connect/pds',
      ...CUSTOM_DOMAIN,
    };
    expect(() => buildTestApp(prod)).toThrow(StageConfigError);
    expect(() => buildTestApp(prod)).toThrow(/smsSenderId: stage "prod" needs the UK sender ID/);
    expect(() => buildTestApp({ smsSenderId: 'Info Line' })).toThrow(/smsSenderId: must be 3–11/);
    const withId = buildTestApp({ ...prod, smsSenderId: 'Riverside' });
    const senderEnv = Template.fromStack(withId.api).toJSON().Resources[
      withId.api.getLogicalId(withId.api.functions.get('sendInvites')?.function.node.defaultChild as never)
    ].Properties.Environment.Variables;
    expect(senderEnv.SMS_SENDER_ID).toBe('Riverside');
  });

  it('lets only the functions that make links hash tokens with the link key, an HMAC key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const macUsers = ALL_FUNCTIONS.filter((id) =>
      statementsOf(id).some((s) => actionsOf(s).includes('kms:GenerateMac')),
    );
    // Those that make links, and the join routes, which find an invitation by its token's keyed hash.
    expect(macUsers.sort()).toEqual(
      [
        'createInvite',
        'releaseHeldMessage',
        'resendInvite',
        ...ROUTES.filter((route) => route.area === 'join').map((route) => route.id),
      ].sort(),
    );
  });

  it('points links at the console: CloudFront’s domain, or the stage’s own', () => {
    expect(JSON.stringify(environmentOf('createInvite').CONSOLE_ORIGIN)).toContain('DomainName');
    const custom = buildTestApp({ ...CUSTOM_DOMAIN });
    const env = Template.fromStack(custom.api).toJSON().Resources[
      custom.api.getLogicalId(custom.api.functions.get('createInvite')?.function.node.defaultChild as never)
    ].Properties.Environment.Variables;
    expect(env.CONSOLE_ORIGIN).toBe(`https://${CUSTOM_DOMAIN.webDomainName}`);
    expect(env.INVITE_EXPIRY_HOURS).toBe('24');
  });
});

describe('the send queue', () => {
  it('is encrypted with a key of its own, with a dead-letter queue after its retries', () => {
    const queues = ofType('AWS::SQS::Queue');
    // Every queue that can hold a text (the send queue, its dead letters) or a receipt under a KMS key of
    // its own; the meeting events' failures queue holds only meeting and attendee ids (SQS-managed keys:
    // EventBridge cannot send to a queue under a customer key without a key policy naming it).
    for (const [id, queue] of queues) {
      if (id.startsWith('MeetingEventsFailed')) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      else expect(queue.Properties.KmsMasterKeyId, id).toBeDefined();
    }
    const main = queues.find(([, queue]) => queue.Properties.RedrivePolicy);
    expect(main?.[1].Properties).toMatchObject({
      RedrivePolicy: { maxReceiveCount: INVITE_QUEUE_MAX_RECEIVES },
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 6 * 3600,
    });
  });

  it('refuses plain HTTP to every queue', () => {
    for (const [, policy] of ofType('AWS::SQS::QueuePolicy')) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
    expect(ofType('AWS::SQS::QueuePolicy').length).toBe(ofType('AWS::SQS::Queue').length);
  });

  it('alarms the operators when anything lands in a dead-letter queue', () => {
    const depth = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    // The send queue's dead letters, the receipts' failures, the meeting events' failures.
    expect(depth).toHaveLength(3);
    for (const alarm of depth) {
      expect(alarm.Properties).toMatchObject({ Threshold: 1, Namespace: 'AWS/SQS' });
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('feeds the sender with partial batch failures, its concurrency bounded', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(fn('sendInvites').function) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    const sids = statementsOf('sendInvites').map((s) => s.Sid);
    expect(sids).toEqual(
      expect.arrayContaining(['ConsumeInviteQueue', 'ReadInviteQueue', 'BackOffInviteMessages']),
    );
  });

  it('lets only the functions that queue texts send to it', () => {
    const senders = ALL_FUNCTIONS.filter((id) =>
      statementsOf(id).some(
        (s) =>
          actionsOf(s).includes('sqs:SendMessage') &&
          !JSON.stringify(s.Resource).includes('MeetingEventsFailed'),
      ),
    );
    // The delivery-status function keeps failed batches in its own failures queue.
    expect(senders.sort()).toEqual([
      'createInvite',
      'recordSmsDelivery',
      'releaseHeldMessage',
      'resendInvite',
    ]);
  });
});

describe('delivery-status logs', () => {
  const names = ['DirectPublishToPhoneNumber', 'DirectPublishToPhoneNumber/Failure'];

  it('are made by the stack, encrypted, kept a week, before SNS is told to write them', () => {
    const groups = ofType('AWS::Logs::LogGroup').filter(([, group]) =>
      JSON.stringify(group.Properties.LogGroupName ?? '').includes('DirectPublishToPhoneNumber'),
    );
    expect(groups).toHaveLength(2);
    for (const [, group] of groups) {
      expect(group.Properties.RetentionInDays).toBe(7);
      expect(group.Properties.KmsKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^SmsDeliveryLogKey/), 'Arn'],
      });
    }
    for (const name of names) {
      expect(JSON.stringify(groups.map(([, group]) => group.Properties.LogGroupName))).toContain(`/${name}"`);
    }
    const logging = ofType('Custom::AWS').find(([id]) => id.startsWith('SmsDeliveryStatusLogging'));
    expect(JSON.stringify(logging?.[1].Properties.Create)).toContain('DeliveryStatusSuccessSamplingRate');
    expect(JSON.stringify(logging?.[1].Properties.Create)).toContain('\\"100\\"');
    for (const [id] of groups) expect(logging?.[1].DependsOn).toContain(id);
  });

  it('are subscribed to the delivery-status function, which only CloudWatch Logs of those groups may invoke', () => {
    const filters = ofType('AWS::Logs::SubscriptionFilter');
    expect(filters).toHaveLength(2);
    for (const [, filter] of filters) {
      expect(filter.Properties.DestinationArn).toEqual({
        'Fn::GetAtt': [logicalIdOf(fn('recordSmsDelivery').function), 'Arn'],
      });
      expect(filter.Properties.FilterPattern).toBe('');
    }
    const permissions = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.Principal).includes('logs.'),
    );
    expect(permissions).toHaveLength(2);
  });

  it('are written by SNS with a role that may write those two groups and nothing else', () => {
    const [[, policy] = []] = ofType('AWS::IAM::ManagedPolicy').filter(([id]) =>
      id.startsWith('SmsDeliveryStatusPolicy'),
    );
    if (!policy) throw new Error('no delivery status policy');
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0] as Statement).sort()).toEqual([
      'logs:CreateLogGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect([statements[0]?.Resource].flat()).toHaveLength(4);
  });

  it('keep receipts that could not be applied, encrypted, for the operators', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(fn('recordSmsDelivery').function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });
});

describe('the account’s SMS settings', () => {
  it('set a spend limit and Transactional texts', () => {
    const spend = ofType('Custom::AWS').find(([id]) => id.startsWith('SmsSpendLimit'));
    expect(JSON.stringify(spend?.[1].Properties.Create)).toContain('MonthlySpendLimit\\":\\"250');
  });

  it('allow only the permitted countries (a protect configuration made the account default)', () => {
    const [[, protect] = []] = ofType('AWS::SMSVOICE::ProtectConfiguration');
    if (!protect) throw new Error('no protect configuration');
    const rules = (
      protect.Properties.CountryRuleSet as { SMS: { CountryCode: string; ProtectStatus: string }[] }
    ).SMS;
    const allowed = rules.filter((rule) => rule.ProtectStatus === 'ALLOW').map((rule) => rule.CountryCode);
    expect(allowed.sort()).toEqual(['GB', 'IE']);
    expect(rules.find((rule) => rule.CountryCode === 'FR')?.ProtectStatus).toBe('BLOCK');
    expect(rules.length).toBeGreaterThan(200);
    expect(ofType('Custom::AWS').some(([id]) => id.startsWith('SmsDefaultProtectConfiguration'))).toBe(true);
  });

  it('can be left alone in an account where something else manages them', () => {
    const shared = Template.fromStack(buildTestApp({ smsAccountSettings: 'false' }).api);
    shared.resourceCountIs('Custom::AWS', 0);
    shared.resourceCountIs('AWS::SMSVOICE::ProtectConfiguration', 0);
    // The log groups and their subscription are still the stage's own.
    shared.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
  });

  it('block every country but the allowed ones', () => {
    const rules = countryRules(['GB']);
    expect(rules.filter((rule) => rule.protectStatus === 'ALLOW')).toEqual([
      { countryCode: 'GB', protectStatus: 'ALLOW' },
    ]);
    expect(new Set(rules.map((rule) => rule.countryCode)).size).toBe(rules.length);
    expect(rules.every((rule) => /^[A-Z]{2}$/.test(rule.countryCode))).toBe(true);
  });
});
