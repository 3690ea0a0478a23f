import { Readable } from 'node:stream';
import { GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, type AssumeRoleCommandOutput, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../../layers/config/load-config';
import { DynamoDirectoryStore } from '../../../layers/directory/directory-store';
import { InvalidPracticeIdError } from '../../../layers/isolation/practice-credentials';
import { practiceKmsClient } from '../../../layers/isolation/practice-kms';
import {
  createScopedClients,
  IsolationConfig,
  scopedClients,
} from '../../../layers/isolation/scoped-clients';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/ClinicConnect-dev-Api-PracticeDataRole';
/** The function's own role, as Lambda hands it over in the environment. */
const FUNCTION_KEYS = {
  AWS_ACCESS_KEY_ID: 'ASIAFUNCTIONROLE',
  AWS_SECRET_ACCESS_KEY: 'function-secret',
  AWS_SESSION_TOKEN: 'function-session-token',
};

interface SentRequest {
  hostname: string;
  headers: Record<string, string>;
}

/**
 * An HTTP handler that answers every request with `{}` and keeps what was sent, signature included: the
 * access key in `Authorization: AWS4-HMAC-SHA256 Credential=<key>/...` says whose credentials signed it.
 */
function recordingHandler() {
  const sent: SentRequest[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (request: SentRequest) => {
      sent.push({ hostname: request.hostname, headers: { ...request.headers } });
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from('{}')]),
        },
      };
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
    destroy: () => {},
  };
  return { sent, handler };
}

function signer(request: SentRequest | undefined) {
  const authorization = request?.headers.authorization ?? '';
  return {
    accessKeyId: /Credential=([^/]+)\//.exec(authorization)?.[1],
    sessionToken: request?.headers['x-amz-security-token'],
  };
}

const sts = new STSClient({ region: 'eu-west-2' });
const stsMock = mockClient(sts);
let issued = 0;

beforeEach(() => {
  stsMock.reset();
  issued = 0;
  stsMock.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommand['input']): AssumeRoleCommandOutput => {
    issued += 1;
    const practiceId = input.Tags?.find((tag) => tag.Key === 'practiceId')?.Value ?? 'untagged';
    return {
      $metadata: {},
      Credentials: {
        AccessKeyId: `ASIA${issued}${practiceId.toUpperCase().replace(/-/g, '')}`,
        SecretAccessKey: `secret-${issued}`,
        SessionToken: `session-${practiceId}`,
        Expiration: new Date(Date.now() + 900_000),
      },
    };
  });
  for (const [name, value] of Object.entries(FUNCTION_KEYS)) vi.stubEnv(name, value);
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function awsClients(handler: ReturnType<typeof recordingHandler>['handler']) {
  const config = loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2', PRACTICE_DATA_ROLE_ARN: ROLE_ARN });
  return createScopedClients(config, { sts, requestHandler: handler as never });
}

describe('configuration', () => {
  it('fails the cold start in AWS when the practice data role is missing', () => {
    expect(() => loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2' })).toThrow(ConfigError);
    expect(() => loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2' })).toThrow(
      /PRACTICE_DATA_ROLE_ARN: is required in AWS/,
    );
    expect(() => scopedClients({ AWS_REGION: 'eu-west-2' })).toThrow(ConfigError);
  });

  it('refuses a role ARN that is not one, and a region outside the EU', () => {
    expect(() =>
      loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2', PRACTICE_DATA_ROLE_ARN: 'PracticeDataRole' }),
    ).toThrow(/PRACTICE_DATA_ROLE_ARN: must be an IAM role ARN/);
    expect(() =>
      loadConfig(IsolationConfig, { AWS_REGION: 'us-east-1', PRACTICE_DATA_ROLE_ARN: ROLE_ARN }),
    ).toThrow(/AWS_REGION/);
  });

  it('runs without the role only against the local stack', () => {
    const config = loadConfig(IsolationConfig, {
      AWS_REGION: 'eu-west-2',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
    });
    expect(config.PRACTICE_DATA_ROLE_ARN).toBeUndefined();
  });
});

describe('scoped clients in AWS', () => {
  it('signs practice data requests with that practice’s assumed credentials', async () => {
    const { sent, handler } = recordingHandler();
    const clients = awsClients(handler);

    await clients
      .practiceDocumentClient('practice-a')
      .send(new GetCommand({ TableName: 'directory', Key: { pk: 'PRACTICE#practice-a', sk: 'PRACTICE' } }));
    // A store built on the scoped client, as the handlers will build them.
    await new DynamoDirectoryStore(clients.practiceDocumentClient('practice-b'), 'directory').getStaff(
      'practice-b',
      'sub-1',
    );

    expect(sent.map(signer)).toEqual([
      { accessKeyId: 'ASIA1PRACTICEA', sessionToken: 'session-practice-a' },
      { accessKeyId: 'ASIA2PRACTICEB', sessionToken: 'session-practice-b' },
    ]);
    expect(sent.every((request) => request.hostname === 'dynamodb.eu-west-2.amazonaws.com')).toBe(true);
    expect(stsMock.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.Tags)).toEqual([
      [{ Key: 'practiceId', Value: 'practice-a' }],
      [{ Key: 'practiceId', Value: 'practice-b' }],
    ]);
  });

  it('signs platform requests with the function’s own credentials, never an assumed session', async () => {
    const { sent, handler } = recordingHandler();
    const clients = awsClients(handler);
    await clients
      .platformDocumentClient()
      .send(new GetCommand({ TableName: 'directory', Key: { pk: 'USER#sub-1', sk: 'MEMBERSHIP' } }));
    expect(signer(sent[0])).toEqual({
      accessKeyId: 'ASIAFUNCTIONROLE',
      sessionToken: 'function-session-token',
    });
    expect(stsMock.commandCalls(AssumeRoleCommand)).toEqual([]);
  });

  it('signs KMS requests for a practice with its assumed credentials', async () => {
    const { sent, handler } = recordingHandler();
    const clients = awsClients(handler);
    await practiceKmsClient('practice-a', clients).send(
      new GenerateDataKeyCommand({
        KeyId: 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        KeySpec: 'AES_256',
        EncryptionContext: { practiceId: 'practice-a' },
      }),
    );
    expect(sent[0]?.hostname).toBe('kms.eu-west-2.amazonaws.com');
    expect(signer(sent[0])).toEqual({ accessKeyId: 'ASIA1PRACTICEA', sessionToken: 'session-practice-a' });
  });

  it('keeps one client per practice, and one AssumeRole per practice over 50 requests', async () => {
    const { sent, handler } = recordingHandler();
    const clients = awsClients(handler);
    for (let request = 0; request < 50; request += 1) {
      const practiceId = request % 2 === 0 ? 'practice-a' : 'practice-b';
      await clients
        .practiceDocumentClient(practiceId)
        .send(new GetCommand({ TableName: 'records', Key: { pk: `PRACTICE#${practiceId}`, sk: 'X' } }));
    }
    expect(sent).toHaveLength(50);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(clients.practiceDocumentClient('practice-a')).toBe(clients.practiceDocumentClient('practice-a'));
    expect(clients.practiceDocumentClient('practice-a')).not.toBe(
      clients.practiceDocumentClient('practice-b'),
    );
    expect(practiceKmsClient('practice-a', clients)).toBe(practiceKmsClient('practice-a', clients));
  });

  it('resolves the scoped client’s credentials from the STS answer (client mocked)', async () => {
    const dynamoMock = mockClient(DynamoDBDocumentClient);
    try {
      dynamoMock.on(GetCommand).resolves({});
      const clients = createScopedClients(
        loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2', PRACTICE_DATA_ROLE_ARN: ROLE_ARN }),
        { sts },
      );
      await clients
        .practiceDocumentClient('practice-a')
        .send(new GetCommand({ TableName: 'records', Key: { pk: 'PRACTICE#practice-a', sk: 'X' } }));

      const [call] = dynamoMock.commandCalls(GetCommand);
      const client = call?.thisValue as DynamoDBDocumentClient;
      await expect(client.config.credentials()).resolves.toMatchObject({
        accessKeyId: 'ASIA1PRACTICEA',
        sessionToken: 'session-practice-a',
      });
      expect(call?.args[0].input.Key).toEqual({ pk: 'PRACTICE#practice-a', sk: 'X' });
    } finally {
      dynamoMock.restore();
    }
  });

  it('shares one HTTP handler (connection pool) among a service’s clients', () => {
    const clients = createScopedClients(
      loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2', PRACTICE_DATA_ROLE_ARN: ROLE_ARN }),
      { sts },
    );
    const handlerOf = (client: { config: { requestHandler: unknown } }) => client.config.requestHandler;
    const platform = handlerOf(clients.platformDocumentClient());
    expect(handlerOf(clients.practiceDocumentClient('practice-a'))).toBe(platform);
    expect(handlerOf(clients.practiceDocumentClient('practice-b'))).toBe(platform);
    expect(handlerOf(practiceKmsClient('practice-b', clients))).toBe(
      handlerOf(practiceKmsClient('practice-a', clients)),
    );
  });

  it('refuses a malformed practice id before building or caching anything', () => {
    const clients = createScopedClients(
      loadConfig(IsolationConfig, { AWS_REGION: 'eu-west-2', PRACTICE_DATA_ROLE_ARN: ROLE_ARN }),
      { sts },
    );
    expect(() => clients.practiceDocumentClient('PRACTICE#other')).toThrow(InvalidPracticeIdError);
    expect(() => practiceKmsClient('', clients)).toThrow(InvalidPracticeIdError);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toEqual([]);
  });
});

describe('scoped clients locally', () => {
  it('run the same code path with the default credentials and no STS', async () => {
    const { sent, handler } = recordingHandler();
    const config = loadConfig(IsolationConfig, {
      AWS_REGION: 'eu-west-2',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
    });
    const clients = createScopedClients(config, { sts, requestHandler: handler as never });
    await clients
      .practiceDocumentClient('practice-a')
      .send(new GetCommand({ TableName: 'directory', Key: { pk: 'PRACTICE#practice-a', sk: 'PRACTICE' } }));
    expect(sent[0]?.hostname).toBe('127.0.0.1');
    expect(signer(sent[0]).accessKeyId).toBe('ASIAFUNCTIONROLE');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toEqual([]);
    expect(() => clients.practiceDocumentClient('../x')).toThrow(InvalidPracticeIdError);
  });
});
