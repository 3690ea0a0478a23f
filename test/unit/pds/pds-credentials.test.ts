import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PdsAccessError, PdsUnavailableError } from '../../../layers/pds/pds-client';
import {
  fileCredentials,
  parsePdsCredentials,
  secretsManagerCredentials,
} from '../../../layers/pds/pds-credentials';

const SECRET_ID = 'clinic-connect/test/pds-signing-key';
// Not a usable key: only its PEM frame is checked here (SignedJwtAuth is what reads the key itself).
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE-TOP-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n';
const CREDENTIALS = { apiKey: 'api-key-TOP-SECRET', privateKeyPem: PEM, kid: 'int-1' };

const sm = mockClient(SecretsManagerClient);

beforeEach(() => sm.reset());

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const expectNoSecret = (error: Error) => {
  expect(error.message).not.toContain('TOP-SECRET');
  expect(String(error.stack)).not.toContain('TOP-SECRET');
  expect(JSON.stringify(error.cause ?? null)).not.toContain('TOP-SECRET');
};

describe('secretsManagerCredentials', () => {
  it('reads the secret with GetSecretValue(SecretId) and parses {apiKey, privateKeyPem, kid}', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(CREDENTIALS) });
    const credentials = secretsManagerCredentials(
      SECRET_ID,
      new SecretsManagerClient({ region: 'eu-west-2' }),
    );

    expect(await credentials()).toEqual(CREDENTIALS);
    const calls = sm.commandCalls(GetSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ SecretId: SECRET_ID });
  });

  it('keeps the credentials for the life of the provider (one read per container)', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(CREDENTIALS) });
    const credentials = secretsManagerCredentials(
      SECRET_ID,
      new SecretsManagerClient({ region: 'eu-west-2' }),
    );

    const [a, b] = await Promise.all([credentials(), credentials()]);
    const c = await credentials();
    expect(a).toEqual(CREDENTIALS);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('does not keep a failure: the next call reads again', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: JSON.stringify(CREDENTIALS) });
    const credentials = secretsManagerCredentials(
      SECRET_ID,
      new SecretsManagerClient({ region: 'eu-west-2' }),
    );

    const error = await failure(credentials());
    expect(error).toBeInstanceOf(PdsUnavailableError);
    expect(error.message).toContain('ThrottlingException');
    expect(await credentials()).toEqual(CREDENTIALS);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reports a missing or forbidden secret as PdsAccessError (an operator has to fix it)', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    const error = await failure(
      secretsManagerCredentials(SECRET_ID, new SecretsManagerClient({ region: 'eu-west-2' }))(),
    );
    expect(error).toBeInstanceOf(PdsAccessError);
    expect(error.message).toContain('AccessDeniedException');
  });

  it('explains bad JSON without echoing the secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `{"apiKey": "api-key-TOP-SECRET", ${PEM}` });
    const error = await failure(
      secretsManagerCredentials(SECRET_ID, new SecretsManagerClient({ region: 'eu-west-2' }))(),
    );
    expect(error).toBeInstanceOf(PdsAccessError);
    expect(error.message).toBe('The PDS credentials secret is not valid JSON.');
    expectNoSecret(error);
  });

  it('names the missing or invalid fields, never their values', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        apiKey: 'api-key-TOP-SECRET',
        privateKeyPem: 'TOP-SECRET but no PEM frame',
      }),
    });
    const error = await failure(
      secretsManagerCredentials(SECRET_ID, new SecretsManagerClient({ region: 'eu-west-2' }))(),
    );
    expect(error).toBeInstanceOf(PdsAccessError);
    expect(error.message).toMatch(/: missing or invalid privateKeyPem, kid\.$/u);
    expectNoSecret(error);
  });

  it('rejects a binary-only secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    const error = await failure(
      secretsManagerCredentials(SECRET_ID, new SecretsManagerClient({ region: 'eu-west-2' }))(),
    );
    expect(error).toBeInstanceOf(PdsAccessError);
    expect(error.message).toContain('no SecretString');
  });
});

describe('fileCredentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pds-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the same JSON shape from a file, once', async () => {
    const file = join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify(CREDENTIALS), { mode: 0o600 });
    const credentials = fileCredentials(file);
    expect(await credentials()).toEqual(CREDENTIALS);

    await writeFile(file, 'changed');
    expect(await credentials()).toEqual(CREDENTIALS);
  });

  it('reports a missing or unreadable file by its error code', async () => {
    const missing = await failure(fileCredentials(join(dir, 'nope.json'))());
    expect(missing).toBeInstanceOf(PdsAccessError);
    expect(missing.message).toContain('ENOENT');

    const file = join(dir, 'locked.json');
    await writeFile(file, JSON.stringify(CREDENTIALS));
    await chmod(file, 0o000);
    if (process.getuid?.() !== 0) {
      const locked = await failure(fileCredentials(file)());
      expect(locked.message).toContain('EACCES');
    }
  });

  it('explains bad JSON without echoing the file', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, `{"apiKey":"api-key-TOP-SECRET","privateKeyPem":"${PEM}`);
    const error = await failure(fileCredentials(file)());
    expect(error.message).toBe('The PDS credentials file is not valid JSON.');
    expectNoSecret(error);
  });
});

describe('parsePdsCredentials', () => {
  it('accepts a PKCS#1 PEM as well as PKCS#8', () => {
    const pkcs1 = PEM.replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY');
    expect(
      parsePdsCredentials(JSON.stringify({ ...CREDENTIALS, privateKeyPem: pkcs1 }), 'x').privateKeyPem,
    ).toBe(pkcs1);
  });

  it('rejects a non-object', () => {
    expect(() => parsePdsCredentials('"TOP-SECRET"', 'The secret')).toThrow(/The secret is not \{apiKey/u);
  });
});
