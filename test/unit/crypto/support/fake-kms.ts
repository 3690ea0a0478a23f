import { randomBytes, randomUUID } from 'node:crypto';
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  GenerateDataKeyCommand,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  NotFoundException,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-2';
export const DATA_ROLE = `arn:aws:iam::${ACCOUNT}:role/ClinicConnect-test-eu-west-2-PracticeData-createLookup`;
/** The key policies' pattern for every practice data role of the test stage. */
export const DATA_ROLE_PATTERN = `arn:aws:iam::${ACCOUNT}:role/ClinicConnect-test-eu-west-2-PracticeData-*`;

interface FakeKey {
  arn: string;
  state: 'Enabled' | 'PendingDeletion';
  policy: PolicyDocument;
  tags: Record<string, string>;
  rotation: boolean;
}

interface PolicyDocument {
  Statement: {
    Sid?: string;
    Principal: { AWS: string | string[] };
    Action: string[];
    Condition?: { StringEquals?: Record<string, string> };
  }[];
}

/**
 * A stand-in for AWS KMS behind aws-sdk-client-mock: keys, aliases, rotation flags, deletion state, and data
 * keys that only the key that made them can unwrap, with the same encryption context. It also evaluates the
 * one part of the key policy this layer relies on: the data statement's `kms:EncryptionContext:practiceId`
 * condition. Test double only: the "wrapping" is a lookup table, not cryptography.
 */
export class FakeKms {
  readonly keys = new Map<string, FakeKey>();
  readonly aliases = new Map<string, string>();
  private readonly wrapped = new Map<string, { arn: string; context: string; plaintext: Uint8Array }>();

  /** A KMSClient whose `send` this fake answers; the stub counts the calls. */
  client() {
    const client = new KMSClient({
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const mock = mockClient(client);
    mock.on(CreateKeyCommand).callsFake((input) => {
      const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${randomUUID()}`;
      const tags = Object.fromEntries(
        (input.Tags ?? []).map((t: { TagKey: string; TagValue: string }) => [t.TagKey, t.TagValue]),
      );
      this.keys.set(arn, { arn, state: 'Enabled', policy: JSON.parse(input.Policy), tags, rotation: false });
      return { KeyMetadata: this.metadata(arn) };
    });
    mock
      .on(DescribeKeyCommand)
      .callsFake((input) => ({ KeyMetadata: this.metadata(this.resolve(input.KeyId)) }));
    mock.on(CreateAliasCommand).callsFake((input) => {
      if (this.aliases.has(input.AliasName))
        throw new AlreadyExistsException({ message: 'alias exists', $metadata: {} });
      this.aliases.set(input.AliasName, this.resolve(input.TargetKeyId));
      return {};
    });
    mock.on(DeleteAliasCommand).callsFake((input) => {
      if (!this.aliases.delete(input.AliasName))
        throw new NotFoundException({ message: 'no alias', $metadata: {} });
      return {};
    });
    mock.on(EnableKeyRotationCommand).callsFake((input) => {
      this.usable(this.resolve(input.KeyId)).rotation = true;
      return {};
    });
    mock.on(ScheduleKeyDeletionCommand).callsFake((input) => {
      const key = this.usable(this.resolve(input.KeyId));
      key.state = 'PendingDeletion';
      return { KeyId: key.arn, KeyState: key.state, PendingWindowInDays: input.PendingWindowInDays };
    });
    mock.on(GenerateDataKeyCommand).callsFake((input) => {
      const key = this.authorise(input.KeyId, input.EncryptionContext);
      const plaintext = randomBytes(input.NumberOfBytes ?? 32);
      const handle = randomBytes(48);
      this.wrapped.set(handle.toString('hex'), {
        arn: key.arn,
        context: canonical(input.EncryptionContext),
        plaintext: Uint8Array.from(plaintext),
      });
      return { KeyId: key.arn, Plaintext: new Uint8Array(plaintext), CiphertextBlob: new Uint8Array(handle) };
    });
    mock.on(DecryptCommand).callsFake((input) => {
      const key = this.authorise(input.KeyId, input.EncryptionContext);
      const entry = this.wrapped.get(Buffer.from(input.CiphertextBlob).toString('hex'));
      if (!entry || entry.arn !== key.arn || entry.context !== canonical(input.EncryptionContext)) {
        throw new KMSServiceException({
          name: 'InvalidCiphertextException',
          $fault: 'client',
          message: 'invalid',
          $metadata: {},
        });
      }
      return { KeyId: key.arn, Plaintext: Uint8Array.from(entry.plaintext) };
    });
    return { client, mock };
  }

  keyByAlias(alias: string): FakeKey | undefined {
    const arn = this.aliases.get(alias);
    return arn ? this.keys.get(arn) : undefined;
  }

  private resolve(keyId: string): string {
    const arn = keyId.startsWith('alias/') ? this.aliases.get(keyId) : keyId;
    if (!arn || !this.keys.has(arn))
      throw new NotFoundException({ message: `${keyId} not found`, $metadata: {} });
    return arn;
  }

  private usable(arn: string): FakeKey {
    const key = this.keys.get(arn) as FakeKey;
    if (key.state !== 'Enabled') {
      throw new KMSInvalidStateException({ message: `${arn} is pending deletion`, $metadata: {} });
    }
    return key;
  }

  /** Key state, then the key policy's data statement: this principal, this action, this practice's context. */
  private authorise(keyId: string, context: Record<string, string> | undefined): FakeKey {
    const key = this.usable(this.resolve(keyId));
    const data = key.policy.Statement.find((s) => s.Action.includes('kms:Decrypt'));
    const wanted = data?.Condition?.StringEquals?.['kms:EncryptionContext:practiceId'];
    if (!wanted || context?.practiceId !== wanted) {
      throw new KMSServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        message: 'denied by key policy',
        $metadata: {},
      });
    }
    return key;
  }

  private metadata(arn: string) {
    const key = this.keys.get(arn) as FakeKey;
    return {
      Arn: arn,
      KeyId: arn.split('/')[1],
      KeyState: key.state,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    };
  }
}

function canonical(context: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}
