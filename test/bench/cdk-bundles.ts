import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { loadCapabilities } from '../../infra/capabilities/registry';
import { loadStageConfig, REPO_ROOT } from '../../infra/config';
import { AppFunction } from '../../infra/constructs/app-function';
import { buildApp } from '../../infra/stacks/build-app';

export interface ShippedBundle {
  /** A route's or event function's id, or the operator function / trigger name. */
  name: string;
  kind: 'route' | 'event' | 'operator' | 'trigger' | 'floor';
  /** `cdk.out/asset.<hash>/index.mjs`: exactly what Lambda would run. */
  file: string;
  /** The function's environment in the template (deploy-time references as placeholders). */
  environment: Record<string, string>;
}

const CDK_CONTEXT = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object })
  .context;

/**
 * Synthesizes the app into `cdk.out` the way `cdk synth` does (esbuild bundling of every function), and
 * returns where each function's bundle is and the environment its template gives it.
 */
export async function synthesizeShippedBundles(): Promise<ShippedBundle[]> {
  const outdir = join(REPO_ROOT, 'cdk.out');
  await rm(outdir, { recursive: true, force: true });
  const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
  const config = loadStageConfig((key) => app.node.tryGetContext(key));
  const stacks = buildApp(app, config, { capabilities: await loadCapabilities(), compliancePacks: false });
  app.synth();

  const shipped: ShippedBundle[] = [];
  const add = (name: string, kind: ShippedBundle['kind'], stack: Stack, fn: AppFunction | undefined) => {
    if (!fn) return;
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
    const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8'));
    const resource = template.Resources[logicalId] as {
      Metadata: Record<string, string>;
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const environment = Object.fromEntries(
      Object.entries(resource.Properties.Environment.Variables).map(([variable, value]) => [
        variable,
        typeof value === 'string' ? value : `placeholder-${variable.toLowerCase()}`,
      ]),
    );
    shipped.push({
      name,
      kind,
      file: join(outdir, resource.Metadata['aws:asset:path'] ?? '', 'index.mjs'),
      environment,
    });
  };
  const events = new Set(EVENT_FUNCTIONS.map((definition) => definition.id));
  for (const [name, fn] of stacks.api.functions)
    add(name, events.has(name) ? 'event' : 'route', stacks.api, fn);
  add('OnboardPractice', 'operator', stacks.api, stacks.api.onboarding);
  add('OffboardPractice', 'operator', stacks.api, stacks.api.offboarding);
  add('preSignUp', 'trigger', stacks.identity, stacks.identity.preSignUp);
  add('preTokenGeneration', 'trigger', stacks.identity, stacks.identity.preTokenGeneration);
  return shipped;
}

/** What the floors are, in the words the bench prints. */
export const FLOORS = {
  'https-only': "Node's HTTPS module (TLS), which any call to AWS needs",
  'powertools-only': 'Powertools Logger and Metrics, as every function has them',
  'dynamodb-client-only': "the AWS SDK's DynamoDB client making one GetItem",
  'dynamodb-and-powertools':
    'the DynamoDB client and Powertools: the least a route that reads a table carries',
  'encryption-sdk-only': 'the Encryption SDK as the practice routes configure it, and its raw AES keyring',
} as const;

/**
 * The dependency floors (`test/bench/floors/`), bundled by the same construct as every function of the app,
 * so that esbuild's options are the app's: what the libraries alone cost, to hold the budgets against.
 */
export async function synthesizeFloorBundles(): Promise<ShippedBundle[]> {
  const outdir = join(REPO_ROOT, 'cdk.out', 'floors');
  await rm(outdir, { recursive: true, force: true });
  const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'BenchFloors', { env: { region: 'eu-west-2' } });
  const logKey = new Key(stack, 'LogKey');
  const functions = Object.keys(FLOORS).map((name) => ({
    name,
    fn: new AppFunction(stack, name, {
      stage: 'bench',
      appVersion: 'bench',
      logLevel: 'ERROR',
      logRetention: RetentionDays.ONE_DAY,
      logKey,
      description: `Bench floor: ${name}`,
      entry: `test/bench/floors/${name}.ts`,
      handler: 'handler',
      memoryMb: 256,
      timeoutSeconds: 5,
      invocation: { deadLetterQueue: 'bench only', concurrency: 'bench only' },
    }),
  }));
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8'));
  return functions.map(({ name, fn }) => {
    const resource = template.Resources[stack.getLogicalId(fn.function.node.defaultChild as never)] as {
      Metadata: Record<string, string>;
      Properties: { Environment: { Variables: Record<string, string> } };
    };
    return {
      name,
      kind: 'floor' as const,
      file: join(outdir, resource.Metadata['aws:asset:path'] ?? '', 'index.mjs'),
      environment: { ...resource.Properties.Environment.Variables, AWS_REGION: 'eu-west-2' },
    };
  });
}
