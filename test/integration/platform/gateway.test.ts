import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('GET /api/health through the local gateway', () => {
  it('reports the version and that storage answers', async () => {
    const response = await fetch(`${stack.url}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ status: 'ok', version: '0.1.0', checks: { storage: 'ok' } });
  });

  it('sends no headers whose value is undefined', async () => {
    const response = await fetch(`${stack.url}/api/health`);
    for (const [, value] of response.headers) expect(value).not.toBe('undefined');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('reporting-endpoints')).toBeNull();
  });
});

describe('routing like API Gateway', () => {
  it('answers an unknown route with a bare 404', async () => {
    const response = await fetch(`${stack.url}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('answers a known path with the wrong method with 404', async () => {
    const response = await fetch(`${stack.url}/api/health`, { method: 'DELETE' });
    expect(response.status).toBe(404);
  });

  it('answers a malformed percent-encoding with 400, as API Gateway does, not with a crash', async () => {
    const api = await fetch(`${stack.url}/api/staff/%E0%A4%A`, { method: 'PATCH' });
    expect(api.status).toBe(400);
    const site = await fetch(`${stack.url}/%E0%A4%A`);
    expect(site.status).toBe(404);
  });

  it('rejects a staff route without a token before the function runs', async () => {
    const response = await fetch(`${stack.url}/api/me`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('rejects a token that is not a JWT from the issuer', async () => {
    const forged = [
      'eyJhbGciOiJub25lIn0',
      'eyJzdWIiOiJ4IiwicHJhY3RpY2VfaWQiOiJkZW1vLXJpdmVyc2lkZSJ9',
      '',
    ].join('.');
    const response = await fetch(`${stack.url}/api/me`, { headers: { authorization: `Bearer ${forged}` } });
    expect(response.status).toBe(401);
  });
});

describe('GET /api/openapi.json', () => {
  it('documents the API from the same schemas that validate it', async () => {
    const response = await fetch(`${stack.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/me']));
  });
});

describe('the web app and its configuration', () => {
  it('serves runtime configuration naming the local identity provider', async () => {
    const config = (await (await fetch(`${stack.url}/config.json`)).json()) as {
      oidc: { authority: string };
    };
    expect(config.oidc.authority).toBe(stack.issuer);
  });
});
