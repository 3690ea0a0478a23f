import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The headers CloudFront's response-headers policy adds in AWS, so the console meets the same CSP locally
 * and a violation shows up here first.
 */
export const SITE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    // 'self' covers this origin's WebSocket (the local meeting service's signalling) in current browsers.
    "connect-src 'self'",
    "media-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; '),
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(self), microphone=(self), geolocation=()',
};

/** The patient's pages: the join page itself and the invite links `/j/<token>` (as CloudFront routes them). */
export function isPatientPage(pathname: string): boolean {
  return pathname === '/join' || pathname.startsWith('/join/') || pathname.startsWith('/j/');
}

/**
 * Serves the built web app like the CloudFront distribution: files as they are, extension-less paths fall back
 * to the console's index.html, or to the patient page's under /join/ and /j/. A GET of an invite link is
 * the same static page for everyone, so a link-preview bot that fetches it changes nothing.
 */
export function createStaticSite(distDir: string) {
  const root = normalize(distDir);

  async function resolveFile(pathname: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    const candidate = normalize(join(root, decoded));
    if (candidate !== root && !candidate.startsWith(root + sep)) return undefined;
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) return candidate;
    if (extname(pathname) !== '') return undefined;
    return isPatientPage(pathname) ? join(root, 'join', 'index.html') : join(root, 'index.html');
  }

  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://site.local');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = await resolveFile(pathname);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SITE_SECURITY_HEADERS });
      res.end(
        pathname.startsWith('/assets/') || extname(pathname)
          ? 'Not found'
          : 'The web app is not built: run npm run build:web',
      );
      return;
    }
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store';
    res.writeHead(200, {
      'content-type': type,
      'content-length': String(info.size),
      'cache-control': cache,
      ...SITE_SECURITY_HEADERS,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  };
}
