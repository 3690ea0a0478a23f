import { Aws, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnProtectConfiguration } from 'aws-cdk-lib/aws-smsvoice';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { getCountries } from 'libphonenumber-js/mobile';
import { z } from 'zod';
import { SENDER_ID_PATTERN } from '../../layers/sms/sms-config';
import { COUNTRY_LIST_PATTERN } from '../../layers/sms/sms-number-settings';
import { StageConfigError } from '../config';
import { acknowledge } from '../constructs/acknowledge';
import { deliveryLogChannel } from '../local/sms/delivery-log-channel';
import { createLocalSmsService, LOCAL_SMS_NUMBERS, type LocalSmsService } from '../local/sms/sms-server';
import { defineCapability } from './capability';

/**
 * The stage's SMS settings (CDK context), the `sms` capability's own:
 *
 * - `smsSenderId`: the alphanumeric sender ID registered for the UK with AWS End User Messaging SMS. UK
 *   carriers block unregistered ones, and registration is a process with AWS (company, use case, sample
 *   messages) that CloudFormation cannot do (README: "Registering the sender ID"). Every `prod*` stage must
 *   name one: synth refuses otherwise.
 * - `smsMaxPriceUsd`: the most one invite text (both its parts) may cost (SNS `AWS.SNS.SMS.MaxPrice`).
 * - `smsAllowedCountries`: whose mobiles may be texted (the lookup and invite routes read the same context
 *   key); the account's protect configuration allows exactly these and blocks every other country.
 * - `smsMonthlySpendLimitUsd`: the account's SNS SMS spend limit (`MonthlySpendLimit`). Above AWS's default
 *   of $1 it needs a quota increase first (Service Quotas, "SMS spending limit").
 * - `smsAccountSettings`: `false` leaves the account-wide SMS settings (spend limit, default protect
 *   configuration, delivery-status logging) alone, for an account where something else manages them.
 */
export const SmsStageSettings = z
  .object({
    stage: z.string(),
    smsSenderId: z
      .string()
      .regex(SENDER_ID_PATTERN, 'must be 3–11 letters, digits, - or _, with at least one letter')
      .optional(),
    smsMaxPriceUsd: z.coerce.number().positive().max(10, 'must be at most 10 US dollars').default(0.2),
    smsAllowedCountries: z
      .string()
      .regex(COUNTRY_LIST_PATTERN, 'must be ISO country codes separated by commas, e.g. GB,IE')
      .default('GB'),
    smsMonthlySpendLimitUsd: z.coerce.number().int().min(1).max(100_000).default(100),
    smsAccountSettings: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((value) => value === true || value === 'true')
      .default(true),
  })
  .superRefine((settings, ctx) => {
    if (/^prod/.test(settings.stage) && !settings.smsSenderId) {
      ctx.addIssue({
        code: 'custom',
        path: ['smsSenderId'],
        message:
          `stage "${settings.stage}" needs the UK sender ID registered for it (-c smsSenderId=...): UK networks ` +
          'block texts from unregistered sender IDs (README: "Registering the sender ID")',
      });
    }
  });
export type SmsStageSettings = z.output<typeof SmsStageSettings>;

export function smsStageSettings(stage: string, context: (key: string) => unknown): SmsStageSettings {
  const raw = Object.fromEntries(
    [
      'smsSenderId',
      'smsMaxPriceUsd',
      'smsAllowedCountries',
      'smsMonthlySpendLimitUsd',
      'smsAccountSettings',
    ].map((key) => [key, context(key) === '' ? undefined : (context(key) ?? undefined)]),
  );
  const parsed = SmsStageSettings.safeParse({ stage, ...raw });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new StageConfigError(`Invalid stage configuration (CDK context). ${problems.join('; ')}`);
}

/** libphonenumber's regions that are not ISO 3166-1 countries End User Messaging would know. */
const NOT_ISO = new Set(['AC', 'TA', 'XK']);

/** Every country blocked except the allowed ones: what the account's protect configuration says. */
export function countryRules(allowed: readonly string[]): { countryCode: string; protectStatus: string }[] {
  const codes = new Set([...getCountries().filter((code) => !NOT_ISO.has(code)), ...allowed]);
  return [...codes].sort().map((countryCode) => ({
    countryCode,
    protectStatus: allowed.includes(countryCode) ? 'ALLOW' : 'BLOCK',
  }));
}

/** The account-wide SMS settings: a protect configuration as the default, and the spend limit. */
function accountSettings(scope: Construct, settings: SmsStageSettings): void {
  const allowed = settings.smsAllowedCountries.split(',');
  const protect = new CfnProtectConfiguration(scope, 'SmsProtectConfiguration', {
    countryRuleSet: { sms: countryRules(allowed) },
    deletionProtectionEnabled: false,
  });
  const setDefault = new AwsCustomResource(scope, 'SmsDefaultProtectConfiguration', {
    installLatestAwsSdk: false,
    onUpdate: {
      service: 'PinpointSMSVoiceV2',
      action: 'SetAccountDefaultProtectConfiguration',
      parameters: { ProtectConfigurationId: protect.attrProtectConfigurationId },
      physicalResourceId: PhysicalResourceId.of(`sms-default-protect-configuration-${Aws.REGION}`),
    },
    onDelete: {
      service: 'PinpointSMSVoiceV2',
      action: 'DeleteAccountDefaultProtectConfiguration',
      parameters: {},
    },
    policy: AwsCustomResourcePolicy.fromStatements([
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [
          'sms-voice:SetAccountDefaultProtectConfiguration',
          'sms-voice:DeleteAccountDefaultProtectConfiguration',
        ],
        resources: [protect.attrArn],
      }),
    ]),
  });
  const spendLimit = new AwsCustomResource(scope, 'SmsSpendLimit', {
    installLatestAwsSdk: false,
    onUpdate: {
      service: 'SNS',
      action: 'SetSMSAttributes',
      parameters: {
        attributes: {
          MonthlySpendLimit: String(settings.smsMonthlySpendLimitUsd),
          DefaultSMSType: 'Transactional',
        },
      },
      physicalResourceId: PhysicalResourceId.of(`sns-sms-spend-limit-${Aws.REGION}`),
    },
    policy: AwsCustomResourcePolicy.fromStatements([
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sns:SetSMSAttributes'],
        // SetSMSAttributes acts on the account's SMS settings; it has no resource to name.
        resources: ['*'],
      }),
    ]),
  });
  acknowledgeCustomResourcePolicy(setDefault, false);
  acknowledgeCustomResourcePolicy(spendLimit, true);
  acknowledgeCustomResourceProvider(scope);
}

/**
 * AwsCustomResource runs one singleton Lambda function per stack, made by CDK: what the compliance packs ask
 * of our own functions does not fit it, and each finding says why.
 */
export function acknowledgeCustomResourceProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
  if (!provider || acknowledgedProviders.has(provider)) return;
  acknowledgedProviders.add(provider);
  acknowledge(
    provider,
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ],
    'The role of CDK’s AwsCustomResource provider: the basic execution policy only lets it write its own ' +
      'logs, and it runs only during deployments, to make account-level SMS settings CloudFormation has no ' +
      'resource for.',
  );
  acknowledge(
    provider,
    [
      'HIPAA.Security-LambdaDLQ',
      'NIST.800.53.R5-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'HIPAA.Security-LambdaConcurrency',
      'NIST.800.53.R5-LambdaConcurrency',
      'HIPAA.Security-LambdaInsideVPC',
      'NIST.800.53.R5-LambdaInsideVPC',
      'Serverless-LambdaTracing',
      'Serverless-LambdaDefaultMemorySize',
    ],
    'CDK’s AwsCustomResource provider, configured by aws-cdk-lib and invoked by CloudFormation during ' +
      'deployments only (CloudFormation reports a failure itself); it calls the SNS and End User Messaging ' +
      'regional APIs and handles no patient data.',
  );
}

const acknowledgedProviders = new WeakSet<object>();

/** Each AwsCustomResource's own policy: inline by CDK's design, and naming what it can. */
export function acknowledgeCustomResourcePolicy(resource: Construct, wildcard: boolean): void {
  acknowledge(
    resource,
    [
      ...(wildcard ? ['AwsSolutions-IAM5[Resource::*]'] : []),
      'HIPAA.Security-IAMNoInlinePolicy',
      'NIST.800.53.R5-IAMNoInlinePolicy',
    ],
    'AwsCustomResource attaches its policy inline to its provider’s role. sns:SetSMSAttributes has no ' +
      'resource-level permissions (it sets the account’s SMS attributes); every other statement names its ARN.',
  );
}

export type LocalSms = LocalSmsService & { phoneUrl: string; snsEndpoint: string };

function delayFrom(text: string | undefined): number | [number, number] {
  if (!text) return [100, 1000];
  const range = /^(\d+)-(\d+)$/u.exec(text);
  if (range) return [Number(range[1]), Number(range[2])];
  if (/^\d+$/u.test(text)) return Number(text);
  throw new Error('LOCAL_SMS_DELIVERY_DELAY_MS must be milliseconds ("300") or a range ("100-1000").');
}

/**
 * Texting patients: Amazon SNS `Publish` to a phone number, Transactional, with the stage's registered sender
 * ID and a maximum price, and SNS's opt-out list. Only the functions that use it may publish an SMS (the
 * invite sender alone). Locally the SMS service (infra/local/sms) speaks the same SNS API on the local
 * origin, "delivers" to a patient's phone page at `/local/phone/`, and hands its delivery-status records to
 * the `sms-delivery-logs` stand-in.
 */
export const capability = defineCapability({
  id: 'sms',
  summary: 'SMS to patients (Amazon SNS Publish to a phone number; the local SMS service locally)',
  clients: ['SNS'],

  aws(stage) {
    const settings = smsStageSettings(stage.config.stage, stage.context);
    if (settings.smsAccountSettings) accountSettings(stage.scope, settings);
    return {
      use: () => ({
        environment: {
          ...(settings.smsSenderId ? { SMS_SENDER_ID: settings.smsSenderId } : {}),
          SMS_MAX_PRICE_USD: String(settings.smsMaxPriceUsd),
        },
        statements: [
          new PolicyStatement({
            sid: 'PublishSmsToPhoneNumbers',
            effect: Effect.ALLOW,
            // A Publish to a phone number, and the opt-out check, have no resource to name.
            actions: ['sns:Publish', 'sns:CheckIfPhoneNumberIsOptedOut'],
            resources: ['*'],
          }),
          new PolicyStatement({
            sid: 'NoTopicsOrEndpoints',
            effect: Effect.DENY,
            // ...which would also allow publishing to every topic and endpoint of the account: not these.
            actions: ['sns:Publish'],
            resources: [`arn:${Aws.PARTITION}:sns:*:*:*`],
          }),
        ],
      }),
    };
  },

  async local(stage) {
    const channel = deliveryLogChannel(stage.origin);
    const snsPath = '/local/sns';
    const service = createLocalSmsService({
      snsPath,
      deliveryDelayMs: delayFrom(stage.env.LOCAL_SMS_DELIVERY_DELAY_MS),
      retryDelayMs: Number(stage.env.LOCAL_SMS_RETRY_DELAY_MS ?? 1000),
      onDeliveryLog: (event) => channel.deliver(event),
    });
    const phoneUrl = `${stage.origin}${service.phonePath}`;
    const stopDeliveries = service.close.bind(service);
    const handle = async (
      req: Parameters<LocalSmsService['handle']>[0],
      res: Parameters<LocalSmsService['handle']>[1],
    ) => {
      if (!(await service.handle(req, res))) res.writeHead(404).end('Not found');
    };
    return Object.assign(service, {
      phoneUrl,
      snsEndpoint: `${stage.origin}${snsPath}`,
      environment: {
        SNS_ENDPOINT: `${stage.origin}${snsPath}`,
        SMS_MAX_PRICE_USD: stage.env.SMS_MAX_PRICE_USD ?? '0.20',
        SMS_SENDER_ID: stage.env.SMS_SENDER_ID ?? 'ClinicDemo',
      },
      mounts: [
        { prefix: snsPath as `/${string}`, handle },
        { prefix: '/local/phone' as const, handle },
      ],
      describe: () => [
        `Local SMS service (speaks SNS's API at ${snsPath}); the patient's phone: ${phoneUrl}`,
        '  Try it: sign in as the clinician, find 999 000 0018 born 12 April 1980, choose "Invite to video',
        `  consultation", then open ${phoneUrl} to see the text arrive and its status reach "Delivered".`,
        `  Numbers 07700 900001 to 900010 give every delivery outcome (${Object.keys(LOCAL_SMS_NUMBERS).length} of them: infra/local/sms/README.md).`,
      ],
      close: async () => {
        stopDeliveries();
        channel.close();
      },
    });
  },
});
