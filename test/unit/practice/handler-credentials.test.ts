import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTABLE_USE_POLICY } from '../../../layers/identity/acceptable-use';
import { apiEvent, lambdaContext } from '../../support/events';
import { staffMember } from '../../support/fake-directory';

/**
 * A real handler, configured as in AWS: practice items must be read with the credentials STS returns for the
 * caller's practice (tagged with it), membership pointers with the function's own.
 */
const sts = mockClient(STSClient);
const dynamo = mockClient(DynamoDBDocumentClient);

beforeAll(() => {
  Object.assign(process.env, {
    APP_VERSION: 'test',
    STAGE: 'dev',
    AWS_REGION: 'eu-west-2',
    TABLE_DIRECTORY: 'directory',
    TABLE_AUDIT: 'audit',
    PRACTICE_DATA_ROLE_ARN: 'arn:aws:iam::123456789012:role/ClinicConnect-dev-eu-west-2-PracticeData',
    AWS_ACCESS_KEY_ID: 'FUNCTION-OWN-KEY',
    AWS_SECRET_ACCESS_KEY: 'function-secret',
  });
  delete process.env.DYNAMODB_ENDPOINT;
  sts.on(AssumeRoleCommand).callsFake((input: { Tags?: { Value?: string }[] }) => ({
    Credentials: {
      AccessKeyId: `PRACTICE-KEY-${input.Tags?.[0]?.Value}`,
      SecretAccessKey: 'practice-secret',
      SessionToken: 'token',
      Expiration: new Date(Date.now() + 3_600_000),
    },
  }));
  const member = staffMember({
    practiceId: 'practice-a',
    sub: 'u1',
    aupVersion: ACCEPTABLE_USE_POLICY.version,
  });
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => {
    if (input.Key.pk === 'USER#u1')
      return { Item: { sub: 'u1', practiceId: 'practice-a', createdAt: member.createdAt } };
    if (input.Key.sk === 'STAFF#u1') return { Item: member };
    if (input.Key.sk === 'PRACTICE') {
      return {
        Item: {
          practiceId: 'practice-a',
          name: 'A',
          odsCode: 'A81001',
          demo: false,
          createdAt: member.createdAt,
        },
      };
    }
    return {};
  });
});

async function signingKeyOf(call: { thisValue: unknown }): Promise<string> {
  const client = call.thisValue as { config: { credentials: () => Promise<{ accessKeyId: string }> } };
  return (await client.config.credentials()).accessKeyId;
}

describe('a handler in AWS configuration', () => {
  it('reads practice items with credentials for the caller’s practice, and pointers with its own', async () => {
    const { handler: getMe } = await import('../../../functions/account/get-me.handler');
    // A token without practice claims: the membership pointer says which practice, then that practice's role.
    const result = await getMe(apiEvent({ claims: { sub: 'u1', token_use: 'access' } }), lambdaContext());
    expect(result.statusCode).toBe(200);

    // The mock answers before signing, so ask each calling client for the credentials it would sign with.
    const reads = dynamo.commandCalls(GetCommand);
    const signed = await Promise.all(
      reads.map(async (call) => [(call.args[0].input.Key as { pk: string }).pk, await signingKeyOf(call)]),
    );
    expect(signed).toEqual([
      ['USER#u1', 'FUNCTION-OWN-KEY'],
      ['PRACTICE#practice-a', 'PRACTICE-KEY-practice-a'],
      ['PRACTICE#practice-a', 'PRACTICE-KEY-practice-a'],
    ]);
    // The practice credentials came from one AssumeRole, tagged with the caller's practice.
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.Tags)).toEqual([
      [{ Key: 'practiceId', Value: 'practice-a' }],
    ]);
  });
});
