import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles one handler the way the CDK stack's NodejsFunction does (ESM, minified, the SDK bundled, a
 * createRequire banner), except for the target: the bench runs on this machine's Node.
 */
export async function bundleHandler(rootDir: string, area: string, exportName: string, outDir: string) {
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, `${exportName}.mjs`);
  const entry = join(outDir, `${exportName}.entry.ts`);
  const { writeFile } = await import('node:fs/promises');
  // Re-export only this route's handler so tree shaking keeps what its function would ship.
  await writeFile(
    entry,
    `export { ${exportName} } from '${join(rootDir, 'functions', area, 'handler.ts')}';\n`,
  );
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}
