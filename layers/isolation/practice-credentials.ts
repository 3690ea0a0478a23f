import { randomBytes } from 'node:crypto';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ROLE_ARN } from '../config/role-arn';
import { PracticeId } from '../directory/model';
import { logger } from '../observability/powertools';
import * as z from '../validation/z';

/**
 * Port: the credentials a client uses for one practice's data. `undefined` means "the client's default
 * credentials" (the local stack, where dynalite ignores credentials).
 *
 * In AWS the answer is a session of the practice data role tagged `practiceId=<practiceId>`: that role may
 * touch DynamoDB items only in the partition `PRACTICE#${aws:PrincipalTag/practiceId}` and use KMS only with
 * the encryption context `practiceId=${aws:PrincipalTag/practiceId}`, so a bug that asks for another
 * practice's items with these credentials gets AccessDenied instead of data.
 */
export interface PracticeCredentials {
  /** Throws InvalidPracticeIdError (before any call to AWS) when `practiceId` is not a practice id. */
  forPractice(practiceId: string): AwsCredentialIdentityProvider | undefined;
}

/** The session tag the practice data role's policies read as `${aws:PrincipalTag/practiceId}`. */
export const PRACTICE_TAG_KEY = 'practiceId';

/** A practice id that fails `PracticeId`: a programming error, never sent to STS or used in a tag. */
export class InvalidPracticeIdError extends TypeError {
  override readonly name = 'InvalidPracticeIdError';
}

/** The value is not echoed: a malformed "id" may be anything the caller sent. */
export function assertPracticeId(practiceId: string): void {
  if (typeof practiceId !== 'string' || !z.safeParse(PracticeId, practiceId).success) {
    throw new InvalidPracticeIdError('Not a practice id.');
  }
}

/** Local adapter: the same code path, no STS; the client falls back to its default credentials. */
export class AmbientCredentials implements PracticeCredentials {
  forPractice(practiceId: string): undefined {
    assertPracticeId(practiceId);
    return undefined;
  }
}

export interface StsPracticeCredentialsOptions {
  /** The practice data role (`PRACTICE_DATA_ROLE_ARN`, set by the api stack). */
  roleArn: string;
  /** Signs AssumeRole with the function's own role. */
  sts: STSClient;
  /** 900 (STS's minimum) to 3600 (the role's maximum session duration). */
  sessionSeconds?: number;
  /**
   * Credentials are renewed this long before they expire. Default 5 minutes: the AWS SDK itself treats
   * credentials within 5 minutes of expiry as expired and asks the provider again on every request, so a
   * shorter margin would only add calls to this cache, and a request (with its retries) never runs on
   * credentials about to lapse.
   */
  refreshBeforeExpiryMs?: number;
  /** Practices whose credentials one container keeps; the least recently used are dropped beyond it. */
  maxPractices?: number;
  /** Milliseconds since the epoch; a fake clock in tests. */
  now?: () => number;
  /** The random part of the session name; fixed in tests. */
  randomSuffix?: () => string;
}

type ExpiringCredentials = AwsCredentialIdentity & { expiration: Date };

interface CacheEntry {
  credentials?: ExpiringCredentials;
  /** The one AssumeRole in flight for this practice: concurrent callers wait for it instead of adding theirs. */
  pending?: Promise<ExpiringCredentials>;
}

const SESSION_NAME_MAX = 64;
const SESSION_PREFIX = 'practice-';

/**
 * `practice-<practiceId>-<8 hex>`: CloudTrail shows which practice a session served (the assumed-role ARN
 * carries the name). Practice ids are `[a-z0-9-]`, valid in a session name; a long id is truncated to keep
 * within STS's 64 characters (the tag, not the name, is what the policies check).
 */
export function practiceSessionName(practiceId: string, suffix: string): string {
  const room = SESSION_NAME_MAX - SESSION_PREFIX.length - 1 - suffix.length;
  return `${SESSION_PREFIX}${practiceId.slice(0, room)}-${suffix}`;
}

/**
 * AWS adapter: STS AssumeRole on the practice data role with the session tag `practiceId`, cached per practice
 * per container and renewed shortly before expiry. One AssumeRole per practice per container per session
 * lifetime, however many requests and clients share it.
 */
export class StsPracticeCredentials implements PracticeCredentials {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly sessionSeconds: number;
  private readonly refreshBeforeExpiryMs: number;
  private readonly maxPractices: number;
  private readonly now: () => number;
  private readonly randomSuffix: () => string;

  constructor(private readonly options: StsPracticeCredentialsOptions) {
    if (!ROLE_ARN.test(options.roleArn)) throw new TypeError('roleArn must be an IAM role ARN.');
    this.sessionSeconds = options.sessionSeconds ?? 900;
    if (!Number.isInteger(this.sessionSeconds) || this.sessionSeconds < 900 || this.sessionSeconds > 3600) {
      throw new TypeError('sessionSeconds must be a whole number from 900 to 3600.');
    }
    this.refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 5 * 60_000;
    if (this.refreshBeforeExpiryMs < 0 || this.refreshBeforeExpiryMs >= this.sessionSeconds * 1000) {
      throw new TypeError('refreshBeforeExpiryMs must be shorter than the session.');
    }
    this.maxPractices = options.maxPractices ?? 500;
    this.now = options.now ?? Date.now;
    this.randomSuffix = options.randomSuffix ?? (() => randomBytes(4).toString('hex'));
  }

  forPractice(practiceId: string): AwsCredentialIdentityProvider {
    assertPracticeId(practiceId);
    return () => this.credentialsFor(practiceId);
  }

  private credentialsFor(practiceId: string): Promise<ExpiringCredentials> {
    const entry = this.touch(practiceId);
    if (entry.pending) return entry.pending;
    const cached = entry.credentials;
    if (cached && cached.expiration.getTime() - this.now() > this.refreshBeforeExpiryMs) {
      return Promise.resolve(cached);
    }
    const pending = this.assume(practiceId).then(
      (credentials) => {
        entry.credentials = credentials;
        entry.pending = undefined;
        return credentials;
      },
      (error: unknown) => {
        // Not cached: the next request tries again.
        entry.pending = undefined;
        throw error;
      },
    );
    entry.pending = pending;
    return pending;
  }

  private async assume(practiceId: string): Promise<ExpiringCredentials> {
    const { Credentials } = await this.options.sts.send(
      new AssumeRoleCommand({
        RoleArn: this.options.roleArn,
        RoleSessionName: practiceSessionName(practiceId, this.randomSuffix()),
        DurationSeconds: this.sessionSeconds,
        Tags: [{ Key: PRACTICE_TAG_KEY, Value: practiceId }],
      }),
    );
    if (
      !Credentials?.AccessKeyId ||
      !Credentials.SecretAccessKey ||
      !Credentials.SessionToken ||
      !Credentials.Expiration
    ) {
      throw new Error('STS AssumeRole returned no credentials.');
    }
    const expiration = new Date(Credentials.Expiration);
    // Identifiers only: never the keys or the session token.
    logger.debug('practice credentials assumed', { practiceId, expiresAt: expiration.toISOString() });
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration,
    };
  }

  /** The practice's entry, marked most recently used; the least recently used beyond the limit are dropped. */
  private touch(practiceId: string): CacheEntry {
    const entry = this.entries.get(practiceId) ?? {};
    this.entries.delete(practiceId);
    this.entries.set(practiceId, entry);
    while (this.entries.size > this.maxPractices) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return entry;
  }
}
