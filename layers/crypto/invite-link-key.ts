import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { BaseConfig } from '../config/base-config';
import { inviteTokenHash, TOKEN_PATTERN } from '../sms/invite-secrets';
import * as z from '../validation/z';
import { createPrivateFile, ensurePrivateDir } from './key-material-store';

/**
 * The platform-wide key of invite links: the token in `https://<console>/j/<token>` is found by its keyed hash
 * (HMAC-SHA256 over `invite-token\0<token>`), which the PLATFORM pointer `INVITETOKEN#<hash>` is keyed by.
 * Platform-wide because the public join route does not know the practice before it has found the invite.
 *
 * In AWS the key is a KMS HMAC key (`HMAC_256`, `GENERATE_VERIFY_MAC`): its material never leaves KMS, so a
 * reader of the table, of a backup or of a function's memory cannot test guessed tokens against the stored
 * hashes; each hash is one `GenerateMac` call (at invite time, and once per join-page request next issue).
 * Locally it is a 32-byte key file; both give the same hash for the same key bytes (`inviteTokenHash`).
 */
export interface InviteLinkKey {
  /** base64url, 43 characters. */
  tokenHash(token: string): Promise<string>;
}

export const InviteLinkKeyConfig = z
  .object({
    STAGE: BaseConfig.shape.STAGE,
    AWS_REGION: BaseConfig.shape.AWS_REGION,
    /** The stage's KMS HMAC key (infra/capabilities/invite-link-key.ts). */
    INVITE_LINK_KEY_ARN: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\//))),
    /** The local stack's key file. */
    LOCAL_INVITE_LINK_KEY_FILE: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine((config) => Boolean(config.INVITE_LINK_KEY_ARN || config.LOCAL_INVITE_LINK_KEY_FILE), {
      message: 'is required: the KMS key that hashes invite links',
      path: ['INVITE_LINK_KEY_ARN'],
    }),
    z.refine((config) => !config.LOCAL_INVITE_LINK_KEY_FILE || config.STAGE === 'local', {
      message: 'is for the local stack only (STAGE=local)',
      path: ['LOCAL_INVITE_LINK_KEY_FILE'],
    }),
  );
export type InviteLinkKeyConfig = z.infer<typeof InviteLinkKeyConfig>;

const PREFIX = Buffer.from('invite-token\u0000', 'utf8');

/** The KMS adapter: `GenerateMac` with HMAC_SHA_256 under the stage's HMAC key. */
export class KmsInviteLinkKey implements InviteLinkKey {
  constructor(
    private readonly client: KMSClient,
    private readonly keyArn: string,
  ) {}

  async tokenHash(token: string): Promise<string> {
    if (!TOKEN_PATTERN.test(token)) throw new TypeError('Not an invite token.');
    const output = await this.client.send(
      new GenerateMacCommand({
        KeyId: this.keyArn,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: Buffer.concat([PREFIX, Buffer.from(token, 'utf8')]),
      }),
    );
    const mac = output.Mac;
    if (mac?.byteLength !== 32) throw new Error('KMS returned no MAC.');
    return Buffer.from(mac).toString('base64url');
  }
}

/** The local adapter: the same HMAC with a key file's 32 bytes. */
export class LocalInviteLinkKey implements InviteLinkKey {
  private key?: Promise<Uint8Array>;

  constructor(private readonly file: string) {}

  async tokenHash(token: string): Promise<string> {
    this.key ??= readFile(this.file).then((bytes) => new Uint8Array(bytes));
    return inviteTokenHash(token, await this.key);
  }
}

/** Makes the local key file once (0600 in a 0700 directory); an existing one is kept. */
export async function ensureLocalInviteLinkKey(file: string): Promise<void> {
  await ensurePrivateDir(dirname(file));
  await createPrivateFile(file, randomBytes(32));
}

/** The adapter a function's config names, built once at cold start. */
export function inviteLinkKeyFromConfig(config: InviteLinkKeyConfig): InviteLinkKey {
  if (config.INVITE_LINK_KEY_ARN) {
    return new KmsInviteLinkKey(
      new KMSClient({
        region: config.AWS_REGION,
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 2000, requestTimeout: 3000 },
      }),
      config.INVITE_LINK_KEY_ARN,
    );
  }
  return new LocalInviteLinkKey(config.LOCAL_INVITE_LINK_KEY_FILE as string);
}
