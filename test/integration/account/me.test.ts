import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CLIENT_ID } from '../../../infra/local/local-stack';
import { refreshTokens, signIn } from '../../../infra/local/oidc';
import { DynamoDirectoryStore } from '../../../layers/directory/directory-store';
import { ACCEPTABLE_USE_POLICY } from '../../../layers/identity/acceptable-use';
import { startTestStack } from '../../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let directory: DynamoDirectoryStore;

beforeAll(async () => {
  stack = await startTestStack();
  directory = new DynamoDirectoryStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.dynamoEndpoint,
        region: 'eu-west-2',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    ),
    stack.tableNames.directory ?? '',
  );
});
afterAll(async () => {
  await stack?.stop();
});

function demoUser(role: string) {
  const user = stack.demo.staff.find((s) => s.role === role);
  if (!user) throw new Error(`no demo ${role}`);
  return user;
}

function signInAs(role: string) {
  const user = demoUser(role);
  return signIn({
    issuer: stack.issuer,
    clientId: CONSOLE_CLIENT_ID,
    redirectUri: `${stack.url}/auth/callback`,
    email: user.email,
    password: user.password,
    totpSecret: user.totpSecret,
  });
}

const me = (token: string) => fetch(`${stack.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });

async function setStatus(role: string, status: 'active' | 'pending' | 'suspended') {
  const user = demoUser(role);
  const staff = await directory.getStaff(stack.demo.practice.practiceId, user.sub);
  if (!staff) throw new Error('demo staff missing');
  await directory.putStaff({ ...staff, status, updatedAt: new Date().toISOString() });
}

describe('GET /api/me with a real access token from the local provider', () => {
  it('returns the staff member and their practice, and nothing else', async () => {
    const { accessToken } = await signInAs('practice_admin');
    const response = await me(accessToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      staff: { name: 'Alex Morgan', email: 'admin@demo.nhs.net', role: 'practice_admin' },
      practice: { id: 'demo-riverside', name: 'Riverside Surgery (demo)', odsCode: 'Y99999', demo: true },
      permissions: ['staff.manage', 'practice.settings', 'audit.read'],
      acceptableUse: { currentVersion: ACCEPTABLE_USE_POLICY.version, accepted: false },
    });
  });

  it('refuses a token signed by another key, even with the right issuer and claims', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({
      client_id: CONSOLE_CLIENT_ID,
      practice_id: 'demo-riverside',
      role: 'practice_admin',
      token_use: 'access',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker' })
      .setIssuer(stack.issuer)
      .setAudience(CONSOLE_CLIENT_ID)
      .setSubject(demoUser('practice_admin').sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await me(forged)).status).toBe(401);
  });

  it('refuses an expired token signed with the provider’s own key', async () => {
    const jwks = JSON.parse(await readFile(join(stack.dataDir, 'identity', 'jwks.json'), 'utf8')) as {
      keys: JWK[];
    };
    const jwk = jwks.keys[0] as JWK;
    const key = await importJWK(jwk, 'RS256');
    const sign = (expiresAt: number) =>
      new SignJWT({ client_id: CONSOLE_CLIENT_ID, practice_id: 'demo-riverside', token_use: 'access' })
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
        .setIssuer(stack.issuer)
        .setAudience(CONSOLE_CLIENT_ID)
        .setSubject(demoUser('practice_admin').sub)
        .setIssuedAt(expiresAt - 600)
        .setExpirationTime(expiresAt)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    // The same key and claims pass while in date, so the 401 below is the expiry and nothing else.
    expect((await me(await sign(now + 300))).status).toBe(200);
    expect((await me(await sign(now - 5))).status).toBe(401);
  });

  it('refuses a token naming another issuer, even signed with this provider’s key', async () => {
    const jwks = JSON.parse(await readFile(join(stack.dataDir, 'identity', 'jwks.json'), 'utf8')) as {
      keys: JWK[];
    };
    const jwk = jwks.keys[0] as JWK;
    const token = await new SignJWT({ client_id: CONSOLE_CLIENT_ID, practice_id: 'demo-riverside' })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
      .setIssuer('http://127.0.0.1:1/oidc')
      .setAudience(CONSOLE_CLIENT_ID)
      .setSubject(demoUser('practice_admin').sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(jwk, 'RS256'));
    expect((await me(token)).status).toBe(401);
  });

  it('refuses a token for another audience', async () => {
    const jwks = JSON.parse(await readFile(join(stack.dataDir, 'identity', 'jwks.json'), 'utf8')) as {
      keys: JWK[];
    };
    const jwk = jwks.keys[0] as JWK;
    const token = await new SignJWT({ client_id: 'some-other-app', practice_id: 'demo-riverside' })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
      .setIssuer(stack.issuer)
      .setAudience('some-other-app')
      .setSubject(demoUser('practice_admin').sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(jwk, 'RS256'));
    expect((await me(token)).status).toBe(401);
  });

  it('refuses a suspended member at once, with the token still valid, and stops their refresh token', async () => {
    const tokens = await signInAs('receptionist');
    expect((await me(tokens.accessToken)).status).toBe(200);

    await setStatus('receptionist', 'suspended');
    const refused = await me(tokens.accessToken);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toBe(
      'Your account has been suspended by your practice.',
    );
    await expect(
      refreshTokens({
        issuer: stack.issuer,
        clientId: CONSOLE_CLIENT_ID,
        refreshToken: tokens.refreshToken ?? '',
      }),
    ).rejects.toThrow(/invalid_grant/);

    await setStatus('receptionist', 'active');
    expect((await me(tokens.accessToken)).status).toBe(200);
  });

  it('refuses a member whose approval is pending', async () => {
    const { accessToken } = await signInAs('clinical_lead');
    await setStatus('clinical_lead', 'pending');
    const refused = await me(accessToken);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toBe(
      'Your account is waiting for approval by your practice.',
    );
  });
});
