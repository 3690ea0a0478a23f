import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const webRoot = fileURLToPath(new URL('.', import.meta.url));

/** Removes every at-rule whose prelude matches `prelude`, with its (nested) block. */
function removeAtRules(css: string, prelude: RegExp): string {
  let out = '';
  let index = 0;
  for (const match of css.matchAll(prelude)) {
    if (match.index < index) continue;
    const open = css.indexOf('{', match.index);
    if (open === -1) break;
    let depth = 0;
    let end = open;
    for (; end < css.length; end += 1) {
      if (css[end] === '{') depth += 1;
      else if (css[end] === '}' && --depth === 0) break;
    }
    out += css.slice(index, match.index);
    index = end + 1;
  }
  return out + css.slice(index);
}

/**
 * nhsuk-frontend's compiled CSS loads the Frutiger web font from assets.nhs.uk and points its icons at
 * `/assets/images/…`. Our CSP is `default-src 'self'` with no remote fonts, so drop the remote @font-face
 * rules (the stacks already fall back to Arial, which the NHS service manual permits) and make the image
 * URLs relative so Vite bundles the icons from the package like any other asset. Also drop its
 * Internet Explorer-only `@media screen\0` hacks, which the CSS minifier rejects.
 */
function nhsukCssForStrictCsp(): Plugin {
  const nhsukCss = /[\\/]nhsuk-frontend[\\/]dist[\\/]nhsuk[\\/]nhsuk-frontend(?:\.min)?\.css$/;
  return {
    name: 'clinic-connect:nhsuk-css-for-strict-csp',
    enforce: 'pre',
    transform(code, id) {
      if (!nhsukCss.test(id.split('?')[0] ?? '')) return null;
      const withoutRemoteFonts = removeAtRules(code, /@font-face\b/g);
      const withoutIeHacks = removeAtRules(withoutRemoteFonts, /@media\s+screen\\0/g);
      return withoutIeHacks.replace(/url\((["']?)\/assets\/images\//g, 'url($1./assets/images/');
    },
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'asset' || !file.fileName.endsWith('.css')) continue;
        const css = typeof file.source === 'string' ? file.source : new TextDecoder().decode(file.source);
        const remote = css.match(
          /url\(\s*["']?(?:https?:)?\/\/[^)]*\)|@import\s+(?:url\()?["']?(?:https?:)?\/\//,
        );
        if (remote)
          this.error(`${file.fileName} references a remote resource (${remote[0]}); CSP forbids it`);
      }
    },
  };
}

/**
 * The Chime SDK carries its media worker as a string of code, and that code still ends its modules with
 * `//# sourceMappingURL=<file>.js.map` comments pointing at maps that were never shipped. The web stack
 * refuses to deploy any file with such a comment (a source map would publish the source), so they are taken
 * out of every chunk. Vite adds its own, later, only to a debug build (`--sourcemap`).
 */
function noForeignSourceMapComments(): Plugin {
  const comment = /\/\/[#@]\s*sourceMappingURL=[^\s'"`\\]+/g;
  return {
    name: 'clinic-connect:no-foreign-source-map-comments',
    renderChunk(code) {
      const cleaned = code.replace(comment, '');
      return cleaned === code ? null : { code: cleaned, map: null };
    },
  };
}

/**
 * `vite` and `vite preview` route like the local server and CloudFront: an extension-less path under
 * `/join/` is the patient page, any other extension-less path the console.
 */
function historyFallbacks(): Plugin {
  const rewrite = (req: { url?: string }, _res: unknown, next: () => void) => {
    const url = new URL(req.url ?? '/', 'http://vite.local');
    const path = url.pathname;
    const isPage = !/\.[a-z0-9]+$/i.test(path) && !path.startsWith('/@') && !path.startsWith('/api/');
    if (isPage && path !== '/config.json') {
      req.url = `${path === '/join' || path.startsWith('/join/') ? '/join/index.html' : '/index.html'}${url.search}`;
    }
    next();
  };
  return {
    name: 'clinic-connect:history-fallbacks',
    configureServer: (server) => void server.middlewares.use(rewrite),
    configurePreviewServer: (server) => void server.middlewares.use(rewrite),
  };
}

/**
 * Two pages, built together: the practice console (React) at `/` and the patient join page (vanilla TS,
 * no console code, no React) at `/join/`. They share only CSS. Runtime settings come from `/config.json`,
 * never from the build.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: false,
  appType: 'mpa',
  plugins: [nhsukCssForStrictCsp(), historyFallbacks(), noForeignSourceMapComments(), react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // web/dist is what the web stack deploys: no source maps there, ever (they would publish the source).
    // `npm run build:web:debug` builds with them into web/dist-debug, for local debugging only.
    sourcemap: false,
    // No inline <script> or style attributes anywhere: the CSP is script-src 'self'; style-src 'self'.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
        join: fileURLToPath(new URL('./join/index.html', import.meta.url)),
      },
    },
  },
  server: {
    // `vite --config web/vite.config.ts` for UI work against `npm start` on :3000 (also used by preview).
    proxy: {
      '/api': 'http://localhost:3000',
      '/oidc': 'http://localhost:3000',
      '/config.json': 'http://localhost:3000',
    },
  },
});
