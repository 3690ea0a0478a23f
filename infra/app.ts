import { App } from 'aws-cdk-lib';
import { loadCapabilities } from './capabilities/registry';
import { loadStageConfig } from './config';
import { buildApp } from './stacks/build-app';

// `cdk synth -c stage=prod -c region=eu-west-2 ...`: see infra/config.ts for every setting.
const app = new App();
try {
  buildApp(
    app,
    loadStageConfig((key) => app.node.tryGetContext(key)),
    { capabilities: await loadCapabilities() },
  );
} catch (error) {
  // A configuration mistake deserves one clear line, not a stack trace.
  if (error instanceof Error && /ConfigError|MissingUserPoolError|WebBuildError/.test(error.name)) {
    console.error(`\n${error.name}: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
