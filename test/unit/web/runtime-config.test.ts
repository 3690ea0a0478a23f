import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from '../../../web/shared/runtime-config';

const local = {
  stage: 'local',
  apiBase: '/api/',
  oidc: {
    authority: 'http://127.0.0.1:3000/oidc',
    clientId: 'clinic-console',
    scope: 'openid email profile',
  },
  demo: true,
};

describe('the console’s runtime configuration', () => {
  it('reads the local configuration, trimming the API base', () => {
    expect(parseRuntimeConfig(local)).toEqual({ ...local, apiBase: '/api' });
  });

  it('keeps Cognito’s logout endpoint, which must be https', () => {
    const cognito = {
      ...local,
      oidc: { ...local.oidc, logoutEndpoint: 'https://x.auth.eu-west-2.amazoncognito.com/logout' },
    };
    expect(parseRuntimeConfig(cognito).oidc.logoutEndpoint).toBe(
      'https://x.auth.eu-west-2.amazoncognito.com/logout',
    );
    expect(() =>
      parseRuntimeConfig({ ...local, oidc: { ...local.oidc, logoutEndpoint: 'http://evil.example/logout' } }),
    ).toThrow(/logoutEndpoint must be an https URL/);
  });

  it('names what is missing', () => {
    expect(() => parseRuntimeConfig({ ...local, oidc: { authority: 'x' } })).toThrow(/config.oidc.clientId/);
    expect(() => parseRuntimeConfig({ ...local, idleTimeoutMinutes: 0 })).toThrow(/idleTimeoutMinutes/);
  });
});
