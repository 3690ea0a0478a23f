import { createHash, randomUUID } from 'node:crypto';
import { trailTime } from './format';
import type { CloudTrailRecord, UserIdentity } from './records';

export type KmsEventName =
  | 'Decrypt'
  | 'Encrypt'
  | 'GenerateDataKey'
  | 'GenerateDataKeyWithoutPlaintext'
  | 'ReEncrypt'
  | 'Sign'
  | 'Verify'
  | 'GetPublicKey'
  | 'DescribeKey'
  | 'CreateKey'
  | 'CreateAlias'
  | 'EnableKeyRotation'
  | 'ScheduleKeyDeletion'
  | 'CancelKeyDeletion'
  | 'PutKeyPolicy';

/** Calls that only read (CloudTrail marks KMS's cryptographic operations `readOnly: true`). */
const READ_ONLY = new Set<KmsEventName>([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncrypt',
  'Sign',
  'Verify',
  'GetPublicKey',
  'DescribeKey',
]);

/** Symmetric operations whose records carry `additionalEventData.keyMaterialId` (since eventVersion 1.11). */
const WITH_KEY_MATERIAL = new Set<KmsEventName>([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncrypt',
]);

/** A caller using temporary credentials of an IAM role: a Lambda function's execution role, for one. */
export interface AssumedRoleCaller {
  /** `arn:aws:iam::<account>:role/[path/]<name>` */
  roleArn: string;
  /** For a Lambda function, the function's name. */
  sessionName: string;
  /** The role's unique id (`AROA…`); derived from the ARN if not given. */
  roleId?: string;
  accessKeyId?: string;
  sessionCreatedAt?: Date;
  mfaAuthenticated?: boolean;
}

export interface KmsRecordInput {
  eventName: KmsEventName;
  /** `arn:aws:kms:<region>:<account>:key/<id>`: gives the region and the recipient account too. */
  keyArn: string;
  caller: AssumedRoleCaller | { userIdentity: UserIdentity };
  eventTime: Date;
  encryptionContext?: Record<string, string>;
  /** Replaces or adds request parameters (for example `numberOfBytes` instead of `keySpec`). */
  requestParameters?: Record<string, unknown>;
  sourceIPAddress?: string;
  userAgent?: string;
  eventId?: string;
  requestId?: string;
  errorCode?: string;
  errorMessage?: string;
}

const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/**
 * A CloudTrail record of one KMS call, shaped like the samples in the AWS KMS Developer Guide ("Decrypt",
 * "Encrypt", "GenerateDataKey", "Sign" under "Logging with AWS CloudTrail", eventVersion 1.11) with the
 * `userIdentity` of an assumed role as the CloudTrail User Guide shows it: what the local key service writes
 * for each use of a key, and what tests feed the report.
 */
export function kmsRecord(input: KmsRecordInput): CloudTrailRecord {
  const key = KEY_ARN.exec(input.keyArn);
  if (!key) throw new TypeError(`Not a KMS key ARN: ${input.keyArn}`);
  const [, , region, account] = key as unknown as [string, string, string, string];
  const userIdentity =
    'userIdentity' in input.caller ? input.caller.userIdentity : assumedRole(input.caller, input.eventTime);
  const record: CloudTrailRecord = {
    eventVersion: '1.11',
    userIdentity,
    eventTime: trailTime(input.eventTime),
    eventSource: 'kms.amazonaws.com',
    eventName: input.eventName,
    awsRegion: region,
    sourceIPAddress: input.sourceIPAddress ?? '192.0.2.0',
    userAgent: input.userAgent ?? 'aws-sdk-js/3 ua/2.1 os/linux lang/js md/nodejs#24',
    ...(input.errorCode ? { errorCode: input.errorCode, errorMessage: input.errorMessage ?? '' } : {}),
    requestParameters: { ...defaultParameters(input), ...input.requestParameters },
    responseElements: null,
    ...(WITH_KEY_MATERIAL.has(input.eventName) && !input.errorCode
      ? { additionalEventData: { keyMaterialId: createHash('sha256').update(input.keyArn).digest('hex') } }
      : {}),
    requestID: input.requestId ?? randomUUID(),
    eventID: input.eventId ?? randomUUID(),
    readOnly: READ_ONLY.has(input.eventName),
    resources: [{ accountId: account, type: 'AWS::KMS::Key', ARN: input.keyArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `kms.${region}.amazonaws.com`,
    },
  };
  return record;
}

function defaultParameters(input: KmsRecordInput): Record<string, unknown> {
  const context = input.encryptionContext ? { encryptionContext: input.encryptionContext } : {};
  switch (input.eventName) {
    case 'Decrypt':
      // Logged even when the request left it out.
      return { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', keyId: input.keyArn, ...context };
    case 'Encrypt':
      return { ...context, keyId: input.keyArn, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    case 'GenerateDataKey':
    case 'GenerateDataKeyWithoutPlaintext':
      return { keyId: input.keyArn, keySpec: 'AES_256', ...context };
    case 'Sign':
    case 'Verify':
      return { messageType: 'DIGEST', keyId: input.keyArn, signingAlgorithm: 'ECDSA_SHA_256' };
    default:
      return { keyId: input.keyArn };
  }
}

export function assumedRole(caller: AssumedRoleCaller, at: Date): UserIdentity {
  const role = ROLE_ARN.exec(caller.roleArn);
  if (!role) throw new TypeError(`Not an IAM role ARN: ${caller.roleArn}`);
  const [, partition, account, name] = role as unknown as [string, string, string, string];
  const roleId = caller.roleId ?? `AROA${pseudoId(caller.roleArn, 17)}`;
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${caller.sessionName}`,
    arn: `arn:${partition}:sts::${account}:assumed-role/${name}/${caller.sessionName}`,
    accountId: account,
    accessKeyId: caller.accessKeyId ?? `ASIA${pseudoId(`${caller.roleArn}/${caller.sessionName}`, 16)}`,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: roleId,
        arn: caller.roleArn,
        accountId: account,
        userName: name,
      },
      webIdFederationData: {},
      attributes: {
        creationDate: trailTime(caller.sessionCreatedAt ?? at),
        mfaAuthenticated: caller.mfaAuthenticated ? 'true' : 'false',
      },
    },
  };
}

/** Upper-case letters and digits, stable for a given seed, like the ids IAM assigns. */
function pseudoId(seed: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = createHash('sha256').update(seed).digest();
  return Array.from({ length }, (_, index) => alphabet[(bytes[index] as number) % alphabet.length]).join('');
}
