import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/routes';
import type { AppFunction } from '../../infra/constructs/app-function';
import { buildTestApp, type TestApp } from './support';

let built: TestApp;
let outdir: string;

/** Real esbuild bundling of every route's function, the way `cdk synth` does it. */
beforeAll(() => {
  built = buildTestApp({}, { bundle: true });
  outdir = built.app.synth().directory;
});

/** Route functions by route id, and the Cognito triggers by name: all that Lambda runs. */
function appFunction(name: string): { stack: Stack; fn: AppFunction; handler: string } {
  if (name === 'preSignUp' || name === 'preTokenGeneration') {
    return { stack: built.identity, fn: built.identity[name], handler: 'handler' };
  }
  const routeFunction = built.api.functions.get(name);
  if (!routeFunction) throw new Error(`no function for ${name}`);
  return { stack: built.api, fn: routeFunction, handler: name };
}

function functionResource(name: string) {
  const { stack, fn } = appFunction(name);
  const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
  const template = JSON.parse(readFileSync(join(outdir, `${stack.templateFile}`), 'utf8'));
  return template.Resources[logicalId] as {
    Metadata: Record<string, string>;
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
}

const FUNCTIONS = [...ROUTES.map((route) => route.id), 'preSignUp', 'preTokenGeneration'];

describe.each(FUNCTIONS.map((name) => [name] as const))('bundle of %s', (routeId) => {
  it('is ESM with the createRequire banner', () => {
    const bundle = readFileSync(
      join(outdir, functionResource(routeId).Metadata['aws:asset:path'] ?? '', 'index.mjs'),
      'utf8',
    );
    expect(
      bundle.startsWith(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
  });

  /**
   * Loads the bundle in a fresh Node process with exactly the environment the stack gives the function
   * (table names, which are deploy-time references, stand in as placeholders): the handler's config must
   * parse at cold start and the route's export must be a function.
   */
  it('starts with the environment the stack gives it and exports the handler', () => {
    const resource = functionResource(routeId);
    const env = Object.fromEntries(
      Object.entries(resource.Properties.Environment.Variables).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `placeholder-${name.toLowerCase()}`,
      ]),
    );
    const file = join(outdir, resource.Metadata['aws:asset:path'] ?? '', 'index.mjs');
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(file)}); console.log(typeof m[${JSON.stringify(appFunction(routeId).handler)}]);`,
      ],
      {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-2', AWS_LAMBDA_FUNCTION_NAME: routeId, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(output.trim()).toBe('function');
  });
});
