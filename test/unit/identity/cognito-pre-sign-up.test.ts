import type { Context, PreSignUpTriggerEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  createPreSignUpHandler,
  handler,
  refusalMessage,
} from '../../../functions/identity/cognito-pre-sign-up';
import { logger } from '../../../layers/observability/powertools';

vi.hoisted(() => {
  // The module parses its configuration when it loads, as it does at a Lambda cold start.
  Object.assign(process.env, {
    APP_VERSION: '1.2.3-test',
    STAGE: 'test',
    AWS_REGION: 'eu-west-2',
    STAFF_EMAIL_DOMAINS: 'nhs.net,nhs.uk',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});

function signUp(
  email: string | undefined,
  triggerSource: PreSignUpTriggerEvent['triggerSource'] = 'PreSignUp_SignUp',
) {
  return {
    version: '1',
    region: 'eu-west-2',
    userPoolId: 'eu-west-2_Example',
    userName: '6c1f0b4e-0000-4000-8000-000000000001',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'console-client' },
    triggerSource,
    request: { userAttributes: email === undefined ? {} : { email } },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  } as PreSignUpTriggerEvent;
}

const preSignUp = createPreSignUpHandler(['nhs.net', 'nhs.uk']);

describe('Cognito pre sign-up trigger', () => {
  it.each(['dr.a@nhs.net', 'Dr.A@NHS.NET', 'reception@practice.nhs.uk'])('lets %s sign up', async (email) => {
    const event = signUp(email);
    const result = await preSignUp(event);
    // Nothing confirmed or verified on the person's behalf: they still prove the address with the code.
    expect(result.response).toEqual({
      autoConfirmUser: false,
      autoVerifyEmail: false,
      autoVerifyPhone: false,
    });
  });

  it.each([
    'someone@gmail.com',
    'a@evilnhs.net',
    'a@nhs.net.example.com',
    'a@b@nhs.net',
    'not-an-address',
    '',
  ])('refuses %j with a message naming the allowed domains', async (email) => {
    await expect(preSignUp(signUp(email))).rejects.toThrow(refusalMessage(['nhs.net', 'nhs.uk']));
  });

  it('refuses a sign-up without an email address', async () => {
    await expect(preSignUp(signUp(undefined))).rejects.toThrow(/work email address/);
  });

  it.each(['PreSignUp_AdminCreateUser', 'PreSignUp_ExternalProvider'] as const)(
    'applies the same rule to %s',
    async (source) => {
      await expect(preSignUp(signUp('someone@gmail.com', source))).rejects.toThrow(/work email address/);
      await expect(preSignUp(signUp('dr.a@nhs.net', source))).resolves.toBeDefined();
    },
  );

  it('tells the person what to use, in words Cognito can show', () => {
    expect(refusalMessage(['nhs.net'])).toBe(
      'Use your work email address (@nhs.net) to create a ClinicConnect account.',
    );
    expect(refusalMessage(['nhs.net', 'nhs.uk'])).toContain('(@nhs.net or @nhs.uk)');
  });

  it('never logs the address', async () => {
    const info = vi.spyOn(logger, 'info');
    await expect(preSignUp(signUp('private.person@gmail.com'))).rejects.toThrow();
    await preSignUp(signUp('dr.a@nhs.net'));
    expect(info).toHaveBeenCalled();
    expect(JSON.stringify(info.mock.calls)).not.toMatch(/private\.person|gmail|dr\.a/);
    info.mockRestore();
  });
});

describe('Cognito pre sign-up trigger: the Lambda handler', () => {
  it('reads the allowed domains from STAFF_EMAIL_DOMAINS', async () => {
    const context = { functionName: 'pre-sign-up', awsRequestId: 'r1' } as Context;
    await expect(handler(signUp('a@practice.nhs.uk'), context)).resolves.toBeDefined();
    await expect(handler(signUp('a@gmail.com'), context)).rejects.toThrow('(@nhs.net or @nhs.uk)');
  });
});
