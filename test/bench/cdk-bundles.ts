import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { loadCapabilities } from '../../infra/capabilities/registry';
import { loadStageConfig, REPO_ROOT } from '../../infra/config';
import type { AppFunction } from '../../infra/constructs/app-function';
import { buildApp } from '../../infra/stacks/build-app';

export interface ShippedBundle {
  /** A route's or event function's id, or the operator function / trigger name. */
  name: string;
  kind: 'route' | 'event' | 'operator' | 'trigger';
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
