import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ensureLocalInviteLinkKey,
  InviteLinkKeyConfig,
  KmsInviteLinkKey,
  LocalInviteLinkKey,
} from '../../../layers/crypto/invite-link-key';
import { inviteTokenHash, newInviteToken } from '../../../layers/sms/invite-secrets';
import * as z from '../../../layers/validation/z';

const kms = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-west-2:123456789012:key/0000aaaa-0000-4000-8000-000000000000';
const KEY = Buffer.alloc(32, 7);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-link-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => kms.reset());

describe('the invite link key', () => {
  it('asks KMS for an HMAC-SHA256 of the token, under the stage’s key, and gives the same hash as locally', async () => {
    // KMS computing what an HMAC key holding KEY would.
    kms.on(GenerateMacCommand).callsFake((input) => ({
      Mac: createHmac('sha256', KEY).update(input.Message).digest(),
      KeyId: KEY_ARN,
      MacAlgorithm: 'HMAC_SHA_256',
    }));
    const token = newInviteToken();
    const hash = await new KmsInviteLinkKey(new KMSClient({ region: 'eu-west-2' }), KEY_ARN).tokenHash(token);
    const [call] = kms.commandCalls(GenerateMacCommand);
    expect(call?.args[0].input).toMatchObject({ KeyId: KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    expect(Buffer.from(call?.args[0].input.Message ?? []).toString()).toBe(`invite-token\u0000${token}`);
    expect(hash).toBe(inviteTokenHash(token, KEY));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses anything that is not a token, without asking KMS', async () => {
    const key = new KmsInviteLinkKey(new KMSClient({ region: 'eu-west-2' }), KEY_ARN);
    await expect(key.tokenHash('short')).rejects.toThrow('Not an invite token.');
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(0);
  });

  it('makes the local key file once, private, and hashes with it', async () => {
    const file = join(dir, 'keys', 'invite-link.key');
    await ensureLocalInviteLinkKey(file);
    const first = await readFile(file);
    await ensureLocalInviteLinkKey(file);
    expect(await readFile(file)).toEqual(first);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = newInviteToken();
    expect(await new LocalInviteLinkKey(file).tokenHash(token)).toBe(inviteTokenHash(token, first));
  });

  it('is configured with a KMS key in AWS, and the key file only on the local stage', () => {
    const parse = (env: Record<string, string>) =>
      z.safeParse(InviteLinkKeyConfig, { STAGE: 'dev', AWS_REGION: 'eu-west-2', ...env });
    expect(parse({ INVITE_LINK_KEY_ARN: KEY_ARN }).success).toBe(true);
    expect(parse({}).error?.issues[0]?.path).toEqual(['INVITE_LINK_KEY_ARN']);
    expect(parse({ LOCAL_INVITE_LINK_KEY_FILE: '/tmp/k' }).error?.issues[0]?.path).toEqual([
      'LOCAL_INVITE_LINK_KEY_FILE',
    ]);
    expect(parse({ STAGE: 'local', LOCAL_INVITE_LINK_KEY_FILE: '/tmp/k' }).success).toBe(true);
  });
});
