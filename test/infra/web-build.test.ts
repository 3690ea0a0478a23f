import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/config';
import { assertNoSourceMaps, WebBuildError } from '../../infra/stacks/web-stack';
import { buildTestApp, fakeWebDist } from './support';

const SOURCE_MAP_COMMENT = /[#@]\s*sourceMappingURL=/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

let outDir: string;

beforeAll(async () => {
  // What `npm run build:web` makes, built from the project's own Vite config into a directory of our own.
  outDir = mkdtempSync(join(tmpdir(), 'cc-web-build-'));
  await build({
    configFile: join(REPO_ROOT, 'web', 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
});
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

describe('the deployed web build', () => {
  it('holds no source map and no file points at one', () => {
    const files = filesUnder(outDir);
    expect(files.some((file) => file.endsWith('.js'))).toBe(true);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    for (const file of files.filter((f) => /\.(?:js|css|html)$/.test(f))) {
      expect(SOURCE_MAP_COMMENT.test(readFileSync(file, 'utf8')), file).toBe(false);
    }
  });

  it('is what the web stack uploads: the staged asset has no source map either', () => {
    const built = buildTestApp({ webDistDir: outDir });
    const [deployment] = Object.values(
      Template.fromStack(built.web).findResources('Custom::CDKBucketDeployment'),
    );
    const keys = JSON.stringify(deployment?.Properties.SourceObjectKeys);
    const staged = readdirSync(built.app.outdir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name.startsWith('asset.'))
      .map((entry) => entry.name)
      .filter((name) => keys.includes(name.slice('asset.'.length)));
    // The build and the generated /config.json, each staged as a directory that is zipped on publish.
    expect(staged).toHaveLength(2);
    const files = staged.flatMap((name) => filesUnder(join(built.app.outdir, name)));
    expect(files.filter((file) => file.endsWith('index.html'))).toHaveLength(2);
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    for (const file of files) expect(SOURCE_MAP_COMMENT.test(readFileSync(file, 'utf8')), file).toBe(false);
  });

  it('is refused at synth when it holds a source map or a sourceMappingURL comment (a debug build)', () => {
    const withMap = fakeWebDist();
    writeFileSync(join(withMap, 'assets', 'app-abc123.js.map'), '{"version":3}');
    expect(() => assertNoSourceMaps(withMap)).toThrow(WebBuildError);
    expect(() => buildTestApp({ webDistDir: withMap })).toThrow(/holds source maps.*app-abc123\.js\.map/);

    const withComment = fakeWebDist();
    writeFileSync(
      join(withComment, 'assets', 'app-abc123.js'),
      'x();\n//# sourceMappingURL=app-abc123.js.map\n',
    );
    expect(() => assertNoSourceMaps(withComment)).toThrow(/app-abc123\.js \(sourceMappingURL\)/);

    expect(() => assertNoSourceMaps(fakeWebDist())).not.toThrow();
  });
});
