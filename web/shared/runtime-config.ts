/**
 * `/config.json`: what differs between stages, read at start-up so one build serves every stage. The local
 * server writes it; in AWS the web stack does.
 */
export interface RuntimeConfig {
  stage: string;
  /** Path or URL prefix of the API, e.g. `/api`. */
  apiBase: string;
  oidc: {
    authority: string;
    clientId: string;
    scope: string;
    /**
     * Cognito's `/logout` (it has no OpenID Connect end-session endpoint). Absent where the provider
     * advertises one, as the local provider does.
     */
    logoutEndpoint?: string;
  };
  /** A demonstration deployment: synthetic data only. */
  demo: boolean;
  /** Minutes without activity before the console signs staff out. Default 15. */
  idleTimeoutMinutes?: number;
  /** The video service: Amazon Chime in AWS, WebRTC with the local signalling server on a laptop. */
  video?: VideoConfig;
}

export interface VideoConfig {
  provider: 'chime' | 'local-webrtc';
  /** The local signalling WebSocket (`ws(s)://…` or a path on this origin); a meeting's own URL wins. */
  signallingUrl?: string;
}

export const DEFAULT_IDLE_TIMEOUT_MINUTES = 15;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(source: Record<string, unknown>, key: string, where: string): string {
  const value = source[key];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${where}.${key} must be a string`);
  return value;
}

function requireHttpsUrl(source: Record<string, unknown>, key: string, where: string): string {
  const value = requireString(source, key, where);
  if (!/^https:\/\/[^/\s]+/.test(value)) throw new Error(`${where}.${key} must be an https URL`);
  return value;
}

function parseVideoConfig(value: unknown): VideoConfig {
  if (!isRecord(value)) throw new Error('config.video must be an object');
  if (value.provider !== 'chime' && value.provider !== 'local-webrtc') {
    throw new Error("config.video.provider must be 'chime' or 'local-webrtc'");
  }
  if (value.signallingUrl === undefined) return { provider: value.provider };
  const url = requireString(value, 'signallingUrl', 'config.video');
  if (!/^(wss?:\/\/[^/\s]+|\/(?!\/))/.test(url)) {
    throw new Error('config.video.signallingUrl must be a ws(s) URL or a path on this origin');
  }
  return { provider: value.provider, signallingUrl: url };
}

/** Checks the shape by hand so neither page has to ship zod. Throws with the first thing wrong. */
export function parseRuntimeConfig(value: unknown): RuntimeConfig {
  if (!isRecord(value)) throw new Error('config must be an object');
  const oidc = value.oidc;
  if (!isRecord(oidc)) throw new Error('config.oidc must be an object');
  const idle = value.idleTimeoutMinutes;
  if (idle !== undefined && (typeof idle !== 'number' || !(idle > 0))) {
    throw new Error('config.idleTimeoutMinutes must be a positive number');
  }
  return {
    stage: requireString(value, 'stage', 'config'),
    apiBase: requireString(value, 'apiBase', 'config').replace(/\/+$/, ''),
    oidc: {
      authority: requireString(oidc, 'authority', 'config.oidc'),
      clientId: requireString(oidc, 'clientId', 'config.oidc'),
      scope: requireString(oidc, 'scope', 'config.oidc'),
      ...(oidc.logoutEndpoint === undefined
        ? {}
        : { logoutEndpoint: requireHttpsUrl(oidc, 'logoutEndpoint', 'config.oidc') }),
    },
    demo: value.demo === true,
    ...(typeof idle === 'number' ? { idleTimeoutMinutes: idle } : {}),
    ...(value.video === undefined ? {} : { video: parseVideoConfig(value.video) }),
  };
}

export async function loadRuntimeConfig(fetchImpl: typeof fetch = fetch): Promise<RuntimeConfig> {
  const response = await fetchImpl('/config.json', { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  return parseRuntimeConfig(await response.json());
}
