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

describe('the video part of the runtime configuration', () => {
  it('is optional, and kept when given', () => {
    expect(parseRuntimeConfig(local).video).toBeUndefined();
    expect(parseRuntimeConfig({ ...local, video: { provider: 'chime' } }).video).toEqual({
      provider: 'chime',
    });
    expect(
      parseRuntimeConfig({
        ...local,
        video: { provider: 'local-webrtc', signallingUrl: '/meetings/signalling' },
      }).video,
    ).toEqual({ provider: 'local-webrtc', signallingUrl: '/meetings/signalling' });
    expect(
      parseRuntimeConfig({
        ...local,
        video: { provider: 'local-webrtc', signallingUrl: 'ws://127.0.0.1:3000/m' },
      }).video?.signallingUrl,
    ).toBe('ws://127.0.0.1:3000/m');
  });

  it('names what is wrong', () => {
    expect(() => parseRuntimeConfig({ ...local, video: { provider: 'zoom' } })).toThrow(
      /config.video.provider/,
    );
    expect(() => parseRuntimeConfig({ ...local, video: 'chime' })).toThrow(/config.video must be an object/);
    expect(() =>
      parseRuntimeConfig({
        ...local,
        video: { provider: 'local-webrtc', signallingUrl: 'https://x.example/ws' },
      }),
    ).toThrow(/signallingUrl must be a ws\(s\) URL or a path/);
    expect(() =>
      parseRuntimeConfig({
        ...local,
        video: { provider: 'local-webrtc', signallingUrl: '//evil.example/ws' },
      }),
    ).toThrow(/signallingUrl/);
  });
});
