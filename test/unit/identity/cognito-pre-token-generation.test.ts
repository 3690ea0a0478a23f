import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  createPreTokenGenerationHandler,
  handler,
} from '../../../functions/identity/cognito-pre-token-generation';
import { AccountNotActiveError } from '../../../functions/identity/token-claims';
import type { StaffMember } from '../../../layers/directory/model';
import { logger } from '../../../layers/observability/powertools';
import { directoryWithMember, staffMember } from '../../support/fake-directory';

vi.hoisted(() => {
  // The module parses its configuration and creates its DynamoDB client when it loads (no request is made).
  Object.assign(process.env, {
    APP_VERSION: '1.2.3-test',
    STAGE: 'test',
    AWS_REGION: 'eu-west-2',
    TABLE_DIRECTORY: 'directory-test',
    PRACTICE_DATA_ROLE_ARN:
      'arn:aws:iam::123456789012:role/ClinicConnect-test-eu-west-2-PracticeData-preTokenGeneration',
    STAFF_EMAIL_DOMAINS: 'nhs.net',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});

const SUB = '6c1f0b4e-0000-4000-8000-000000000001';

function tokenRequest(
  attributes: Record<string, string> = { sub: SUB, email: 'dr.a@nhs.net', email_verified: 'true' },
  triggerSource: PreTokenGenerationV2TriggerEvent['triggerSource'] = 'TokenGeneration_HostedAuth',
) {
  return {
    version: '2',
    region: 'eu-west-2',
    userPoolId: 'eu-west-2_Example',
    userName: SUB,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'console-client' },
    triggerSource,
    request: {
      userAttributes: attributes,
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      scopes: ['openid', 'email', 'profile'],
    },
    response: { claimsAndScopeOverrideDetails: {} },
  } as PreTokenGenerationV2TriggerEvent;
}

function trigger(member?: Partial<StaffMember>) {
  return createPreTokenGenerationHandler({
    directory: directoryWithMember(member ? staffMember({ sub: SUB, ...member }) : undefined),
    allowedEmailDomains: ['nhs.net'],
  });
}

describe('Cognito pre token generation trigger', () => {
  it('adds practice and role to both tokens, and the verified email to the access token', async () => {
    const result = await trigger({ practiceId: 'practice-a', role: 'practice_admin' })(tokenRequest());
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToAddOrOverride: { practice_id: 'practice-a', role: 'practice_admin' } },
      accessTokenGeneration: {
        claimsToAddOrOverride: { practice_id: 'practice-a', role: 'practice_admin', email: 'dr.a@nhs.net' },
      },
    });
  });

  it('gives a pending member their claims: the API refuses them until approval', async () => {
    const result = await trigger({ status: 'pending', role: 'receptionist' })(tokenRequest());
    expect(result.response.claimsAndScopeOverrideDetails.idTokenGeneration?.claimsToAddOrOverride).toEqual({
      practice_id: 'practice-a',
      role: 'receptionist',
    });
  });

  it('gives an account with no practice only its email, so it can register with one', async () => {
    const result = await trigger()(tokenRequest());
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToAddOrOverride: {} },
      accessTokenGeneration: { claimsToAddOrOverride: { email: 'dr.a@nhs.net' } },
    });
  });

  it('leaves the email out of the access token until it is verified', async () => {
    const result = await trigger()(
      tokenRequest({ sub: SUB, email: 'dr.a@nhs.net', email_verified: 'false' }),
    );
    expect(
      result.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride,
    ).toEqual({});
  });

  it.each(['suspended', 'rejected'] as const)(
    'issues no tokens to a %s member, on sign-in or refresh',
    async (status) => {
      for (const source of ['TokenGeneration_HostedAuth', 'TokenGeneration_RefreshTokens'] as const) {
        await expect(trigger({ status })(tokenRequest(undefined, source))).rejects.toThrow(
          AccountNotActiveError,
        );
      }
    },
  );

  it('issues no tokens to an address outside the allowed domains (changed, or the list narrowed)', async () => {
    await expect(
      trigger({})(tokenRequest({ sub: SUB, email: 'dr.a@gmail.com', email_verified: 'true' })),
    ).rejects.toThrow(/not in an allowed domain/);
  });

  it('refuses an event without a subject', async () => {
    await expect(trigger()(tokenRequest({ email: 'dr.a@nhs.net' }))).rejects.toThrow(/no subject/);
  });

  it('logs the account id and outcome, never the address', async () => {
    const info = vi.spyOn(logger, 'info');
    const warn = vi.spyOn(logger, 'warn');
    await trigger({})(tokenRequest());
    await expect(trigger({ status: 'suspended' })(tokenRequest())).rejects.toThrow();
    await expect(
      trigger({})(tokenRequest({ sub: SUB, email: 'x@gmail.com', email_verified: 'true' })),
    ).rejects.toThrow();
    const logged = JSON.stringify([...info.mock.calls, ...warn.mock.calls]);
    expect(logged).toContain(SUB);
    expect(logged).not.toMatch(/dr\.a|gmail|@/);
    info.mockRestore();
    warn.mockRestore();
  });
});

describe('Cognito pre token generation trigger: the Lambda handler', () => {
  it('is wired at load time from the environment', async () => {
    expect(typeof handler).toBe('function');
    // An address outside the allow-list is refused before the directory is read.
    await expect(
      handler(tokenRequest({ sub: SUB, email: 'x@gmail.com', email_verified: 'true' }), {
        functionName: 'pre-token',
        awsRequestId: 'r1',
      } as Context),
    ).rejects.toThrow(/not in an allowed domain/);
  });
});
