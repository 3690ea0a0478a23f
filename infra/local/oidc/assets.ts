import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sendText } from './http-utils';

/**
 * The NHS.UK frontend stylesheet and its images, served from node_modules under `${mountPath}/assets/`.
 * The compiled CSS refers to `/assets/images/...`; those URLs are rewritten to our prefix, and its remote
 * web fonts are dropped.
 */
const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

function frontendDist(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('nhsuk-frontend/package.json')), 'dist', 'nhsuk');
}

export function createAssetServer(assetsPath: string) {
  const dist = frontendDist();
  const cache = new Map<string, { type: string; body: Buffer }>();

  async function load(name: string): Promise<{ type: string; body: Buffer } | undefined> {
    const cached = cache.get(name);
    if (cached) return cached;
    let asset: { type: string; body: Buffer } | undefined;
    if (name === 'nhsuk-frontend.min.css') {
      const css = await readFile(join(dist, 'nhsuk-frontend.min.css'), 'utf8');
      const body = Buffer.from(
        css
          .replaceAll('url(/assets/', `url(${assetsPath}/`)
          // The Frutiger web fonts come from assets.nhs.uk, which the pages' CSP (and an offline machine)
          // does not allow; the stylesheet's own fallback font stack is used instead.
          .replace(/@font-face\{[^}]*assets\.nhs\.uk[^}]*\}/g, '')
          .replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, ''),
      );
      asset = { type: 'text/css; charset=utf-8', body };
    } else {
      const match = /^images\/([a-z0-9-]+)(\.svg|\.png|\.ico)$/.exec(name);
      const type = match?.[2] && IMAGE_TYPES[match[2]];
      if (!match || !type) return undefined;
      try {
        asset = { type, body: await readFile(join(dist, 'assets', 'images', `${match[1]}${match[2]}`)) };
      } catch {
        return undefined;
      }
    }
    cache.set(name, asset);
    return asset;
  }

  /** `name` is the path below `${assetsPath}/`. */
  return async function serveAsset(name: string, method: string, res: ServerResponse): Promise<void> {
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed');
    const asset = await load(name);
    if (!asset) return sendText(res, 404, 'Not Found');
    res.statusCode = 200;
    res.setHeader('Content-Type', asset.type);
    res.setHeader('Content-Length', asset.body.length);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.end(method === 'HEAD' ? undefined : asset.body);
  };
}
