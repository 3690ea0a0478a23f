import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  GenerateDataKeyCommand,
  type GenerateDataKeyCommandOutput,
  type KeyMetadata,
  KMSClient,
  KMSInvalidStateException,
  NotFoundException,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { roleArnParts } from '../config/role-arn';
import { practiceDataRolePattern } from '../isolation/practice-data-roles';
import { logger } from '../observability/powertools';
import { PracticeKeyUnavailableError } from './errors';
import { type KeyMaterialStore, PRACTICE_KEY_ARN_RECORD } from './key-material-store';
import {
  DATA_KEY_BYTES,
  dataKeyContext,
  keyUnavailable,
  PracticeDataKeys,
  type PracticeKeyWrapper,
} from './practice-data-key';
import { assertPracticeId } from './practice-id';
import type { PracticeKeys } from './practice-keys';

export interface KmsPracticeKeysOptions {
  /** Names the alias: `alias/clinic-connect/<stage>/practice/<practiceId>`. */
  stage: string;
  /** The account that owns the keys; its root principal administers them (never uses them). */
  accountId: string;
  /** `aws` unless in another partition. */
  partition?: string;
  /**
   * The ARN pattern of the stage's practice data roles (layers/isolation/practice-data-roles.ts): the key
   * policy lets roles of that name use a practice's key, only with `kms:EncryptionContext:practiceId` equal
   * to that practice, and only as far as their own IAM policies allow too.
   */
  dataRolePattern: string;
  /** For CreateKey, EnableKeyRotation, CreateAlias, ScheduleKeyDeletion, DeleteAlias: the onboarding role's. */
  adminClient: KMSClient;
  /**
   * The client that uses a practice's key (GenerateDataKey, Decrypt), with credentials scoped to that practice
   * (the practice data role with its `practiceId` session tag).
   */
  kmsClientFor: (practiceId: string) => KMSClient;
  /** Holds the key ARN and the wrapped data key of each practice (in AWS: the directory table). */
  store: KeyMaterialStore;
  /** Waiting period before KMS deletes a destroyed practice's key: 7 days, the minimum KMS allows. */
  pendingWindowInDays?: number;
  keyCacheMs?: number;
  now?: () => number;
}

const KEY_ARN_RECORD = PRACTICE_KEY_ARN_RECORD;

/**
 * KMS errors that mean "this key will not give you this practice's data key": pending deletion or disabled
 * (crypto-shredded), refused by policy, or a blob that is not this key's under this context. Anything else
 * (throttling, network, KMS unavailable) is transient and passes through as it is.
 */
const KEY_REFUSALS = new Set([
  'KMSInvalidStateException',
  'DisabledException',
  'NotFoundException',
  'AccessDeniedException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'InvalidKeyUsageException',
]);

export function practiceKeyAlias(stage: string, practiceId: string): string {
  return `alias/clinic-connect/${stage}/practice/${practiceId}`;
}

/**
 * The key policy of a practice key. KMS requires someone to be able to administer a key (else the key is
 * unmanageable and CreateKey refuses the policy): the account root, for key ADMINISTRATION only, so that IAM
 * policies decide which operators may do it. Note what it leaves out: no ReEncrypt, and no CreateGrant (a
 * grant could hand decryption to anyone without the context condition).
 *
 * Using the key: only principals of this account whose ARN is a practice data role of this stage and region
 * (`ClinicConnect-<stage>-<region>-PracticeData-*`: one role per function, and the restore drill's), only
 * with the encryption context naming this practice, and only when their own IAM policy allows it as well
 * (the account is the principal, so IAM must agree): a function whose practice session has no key statement
 * (it does not declare `uses: ['practice-keys']`) cannot use the key even though its role's name matches.
 * The pattern is what lets a function added later use keys made earlier, without rewriting their policies;
 * creating a role of that name needs IAM administration, which can rewrite a key policy anyway.
 */
export function practiceKeyPolicy(input: {
  practiceId: string;
  accountId: string;
  partition?: string;
  dataRolePattern: string;
}) {
  const partition = input.partition ?? 'aws';
  const account = `arn:${partition}:iam::${input.accountId}:root`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'KeyAdministrationByTheAccount',
        Effect: 'Allow',
        Principal: { AWS: account },
        Action: [
          'kms:CreateAlias',
          'kms:UpdateAlias',
          'kms:DeleteAlias',
          'kms:DescribeKey',
          'kms:EnableKey',
          'kms:DisableKey',
          'kms:EnableKeyRotation',
          'kms:DisableKeyRotation',
          'kms:RotateKeyOnDemand',
          'kms:Get*',
          'kms:List*',
          'kms:PutKeyPolicy',
          'kms:UpdateKeyDescription',
          'kms:TagResource',
          'kms:UntagResource',
          'kms:RevokeGrant',
          'kms:ScheduleKeyDeletion',
          'kms:CancelKeyDeletion',
        ],
        Resource: '*',
      },
      {
        Sid: 'PracticeDataRolesOnlyWithThisPracticesContext',
        Effect: 'Allow',
        Principal: { AWS: account },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:EncryptionContext:practiceId': input.practiceId },
          ArnLike: { 'aws:PrincipalArn': input.dataRolePattern },
        },
      },
    ],
  };
}

const DATA_ROLE_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/ClinicConnect-[a-z0-9-]+-PracticeData-\*$/;

/**
 * AWS adapter: one customer-managed KMS key per practice (symmetric, yearly automatic rotation, alias naming
 * the practice, tagged with its id). It wraps one thing: the practice's data key, with KMS GenerateDataKey
 * when it is made and Decrypt once per container per cache window, both under `dataKeyContext`. No Encryption
 * SDK keyring talks to KMS, so the KMS keyring is not bundled.
 */
export class KmsPracticeKeys implements PracticeKeys {
  private readonly dataKeys: PracticeDataKeys;

  /**
   * The keys of a deployed stage, used through the caller's practice data role (the keys' policies let the
   * stage's practice data roles use them), in the account that owns them. Without `adminClient`, a plain client of the function's own
   * role (granted key administration only where a function needs it: onboarding and offboarding).
   */
  static forDataRole(options: {
    stage: string;
    region: string;
    /** The caller's own practice data role: it names the account (and partition) of the keys. */
    dataRoleArn: string;
    kmsClientFor: (practiceId: string) => KMSClient;
    store: KeyMaterialStore;
    adminClient?: KMSClient;
  }): KmsPracticeKeys {
    const account = roleArnParts(options.dataRoleArn);
    return new KmsPracticeKeys({
      stage: options.stage,
      ...account,
      dataRolePattern: practiceDataRolePattern({ ...account, stage: options.stage, region: options.region }),
      adminClient: options.adminClient ?? new KMSClient({ region: options.region, maxAttempts: 3 }),
      kmsClientFor: options.kmsClientFor,
      store: options.store,
    });
  }

  constructor(private readonly options: KmsPracticeKeysOptions) {
    if (!/^\d{12}$/.test(options.accountId))
      throw new TypeError('accountId must be a 12-digit AWS account id.');
    if (!DATA_ROLE_PATTERN.test(options.dataRolePattern)) {
      throw new TypeError('dataRolePattern must be the ARN pattern of a stage’s practice data roles.');
    }
    this.dataKeys = new PracticeDataKeys({
      store: options.store,
      wrapperFor: (practiceId) => this.wrapperFor(practiceId),
      ...(options.keyCacheMs === undefined ? {} : { ttlMs: options.keyCacheMs }),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async provision(practiceId: string, practiceName: string) {
    assertPracticeId(practiceId);
    const { adminClient, store } = this.options;
    const alias = practiceKeyAlias(this.options.stage, practiceId);
    let key = await this.describe(alias);
    if (!key) {
      const created = await adminClient.send(
        new CreateKeyCommand({
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Description: `Clinic Connect (${this.options.stage}): data of practice ${practiceId} (${practiceName.slice(0, 120)})`,
          Policy: JSON.stringify(practiceKeyPolicy({ ...this.options, practiceId })),
          Tags: [
            { TagKey: 'practiceId', TagValue: practiceId },
            { TagKey: 'stage', TagValue: this.options.stage },
            { TagKey: 'app', TagValue: 'clinic-connect' },
          ],
        }),
      );
      const arn = created.KeyMetadata?.Arn;
      if (!arn) throw new Error('KMS CreateKey returned no key ARN.');
      // The alias first: a retry after a failure below finds the key by its alias instead of making another.
      try {
        await adminClient.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
        key = created.KeyMetadata;
      } catch (error) {
        if (!(error instanceof AlreadyExistsException)) throw error;
        // Lost a race with a concurrent onboarding of the same practice: retire our key, use the winner's.
        // (The ODS claim makes this race unlikely; the AWS onboarding role may not delete keys at all, so
        // there the unused key is left, with no alias, for an operator to delete.)
        try {
          await this.scheduleDeletion(arn);
        } catch (deletionError) {
          if ((deletionError as Error).name !== 'AccessDeniedException') throw deletionError;
          logger.warn('unused practice key left after a lost onboarding race: schedule its deletion', {
            practiceId,
            keyId: arn,
          });
        }
        key = await this.describe(alias);
        if (!key) throw error;
      }
    }
    const arn = key?.Arn;
    if (!arn) throw new Error('KMS returned no key ARN.');
    if (key?.KeyState === 'PendingDeletion' || key?.KeyState === 'PendingReplicaDeletion') {
      throw new PracticeKeyUnavailableError(
        `Practice ${practiceId} was offboarded and its key is pending deletion; it cannot be onboarded again under this id.`,
      );
    }
    await adminClient.send(new EnableKeyRotationCommand({ KeyId: arn, RotationPeriodInDays: 365 }));
    await store.put(practiceId, KEY_ARN_RECORD, arn);
    logger.info('practice key provisioned', { practiceId, keyId: arn });
    return { keyId: arn };
  }

  dataKey(practiceId: string) {
    return this.dataKeys.get(practiceId);
  }

  forget(practiceId: string): void {
    this.dataKeys.forget(practiceId);
  }

  private async wrapperFor(practiceId: string): Promise<PracticeKeyWrapper> {
    const keyArn = await this.options.store.get(practiceId, KEY_ARN_RECORD);
    if (!keyArn) {
      throw new PracticeKeyUnavailableError(
        `Practice ${practiceId} has no key: it was never provisioned, or it was offboarded (crypto-shredded).`,
      );
    }
    const kms = this.options.kmsClientFor(practiceId);
    const context = dataKeyContext(practiceId);
    const refused = (error: unknown) => {
      if (!KEY_REFUSALS.has((error as Error)?.name)) return error;
      return keyUnavailable(
        practiceId,
        'its KMS key refused (the key has been destroyed or disabled, or the stored data key is not this key’s)',
        error,
      );
    };
    return {
      generate: async () => {
        let answer: GenerateDataKeyCommandOutput;
        try {
          answer = await kms.send(
            new GenerateDataKeyCommand({
              KeyId: keyArn,
              NumberOfBytes: DATA_KEY_BYTES,
              EncryptionContext: context,
            }),
          );
        } catch (error) {
          throw refused(error);
        }
        if (answer.Plaintext?.byteLength !== DATA_KEY_BYTES || !answer.CiphertextBlob) {
          answer.Plaintext?.fill(0);
          throw new Error('KMS GenerateDataKey returned no data key.');
        }
        return {
          plaintext: answer.Plaintext,
          wrapped: Buffer.from(answer.CiphertextBlob).toString('base64'),
        };
      },
      unwrap: async (wrapped) => {
        try {
          // KeyId pins the practice's own key: KMS refuses a blob that another key wrapped.
          const { Plaintext } = await kms.send(
            new DecryptCommand({
              KeyId: keyArn,
              CiphertextBlob: Buffer.from(wrapped, 'base64'),
              EncryptionContext: context,
            }),
          );
          if (!Plaintext) throw new Error('KMS Decrypt returned no plaintext.');
          return Plaintext;
        } catch (error) {
          throw refused(error);
        }
      },
    };
  }

  async destroy(practiceId: string) {
    assertPracticeId(practiceId);
    this.dataKeys.forget(practiceId);
    const alias = practiceKeyAlias(this.options.stage, practiceId);
    const key = await this.describe(alias);
    const arn = key?.Arn ?? (await this.options.store.get(practiceId, KEY_ARN_RECORD));
    // Deletion first: from this call on the key is unusable (KMSInvalidStateException), so every ciphertext
    // under it, including any restored from a backup, is unreadable; after the waiting period, for good.
    if (arn) await this.scheduleDeletion(arn);
    if (key) {
      try {
        await this.options.adminClient.send(new DeleteAliasCommand({ AliasName: alias }));
      } catch (error) {
        if (!(error instanceof NotFoundException)) throw error;
      }
    }
    await this.options.store.deleteAll(practiceId);
    logger.info('practice key scheduled for deletion', { practiceId, keyId: arn });
  }

  private async describe(keyId: string): Promise<KeyMetadata | undefined> {
    try {
      const { KeyMetadata } = await this.options.adminClient.send(new DescribeKeyCommand({ KeyId: keyId }));
      return KeyMetadata;
    } catch (error) {
      if (error instanceof NotFoundException) return undefined;
      throw error;
    }
  }

  private async scheduleDeletion(arn: string) {
    try {
      await this.options.adminClient.send(
        new ScheduleKeyDeletionCommand({
          KeyId: arn,
          PendingWindowInDays: this.options.pendingWindowInDays ?? 7,
        }),
      );
    } catch (error) {
      // Already pending deletion (or gone): the shred has happened.
      if (!(error instanceof KMSInvalidStateException || error instanceof NotFoundException)) throw error;
    }
  }
}
