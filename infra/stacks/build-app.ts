import { type App, Aspects, CrossStackReferences, ReferenceStrength, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { ROUTES } from '../../functions/routes';
import { isEuRegion } from '../../layers/config/regions';
import type { FunctionDefinition } from '../../layers/functions/definition';
import type { EventFunctionDefinition } from '../../layers/functions/event-function';
import type { RouteDefinition } from '../../layers/http/route';
import type { CapabilityRegistry } from '../capabilities/registry';
import { type StageConfig, StageConfigError } from '../config';
import { NoRecordingAspect } from '../constructs/no-recording';
import { ApiStack } from './api-stack';
import { BackupCopyStack } from './backup-copy-stack';
import { DataStack } from './data-stack';
import { GatewayStack } from './gateway-stack';
import { IdentityStack } from './identity-stack';
import { WEB_ACL_REGION, WebAclStack } from './web-acl-stack';
import { WebStack } from './web-stack';

export interface BuildAppOptions {
  /** Every outside system's module: `await loadCapabilities()` (infra/capabilities/registry.ts). */
  capabilities: CapabilityRegistry;
  /** The event-driven functions; the real ones unless a test needs others. */
  eventFunctions?: readonly EventFunctionDefinition[];
  /** The route table; the real one unless a test needs another. */
  routes?: readonly RouteDefinition[];
  /**
   * Where a function's handler module is (default `handlerModule`): a test's made-up route borrows a real
   * module, since CDK needs the file to exist even when it does not bundle.
   */
  entryOf?: (definition: FunctionDefinition) => string;
  /** Register the compliance packs so synth fails on unacknowledged findings (default true). */
  compliancePacks?: boolean;
}

export interface ClinicConnectStacks {
  backupCopy: BackupCopyStack;
  data: DataStack;
  identity: IdentityStack;
  gateway: GatewayStack;
  /** The stage's CloudFront web ACL, unless `webAclArn` names one brought from elsewhere. */
  webAcl?: WebAclStack;
  web: WebStack;
  api: ApiStack;
}

/** The compliance packs every synth runs: AWS Solutions, HIPAA Security, NIST 800-53 rev 5, Serverless. */
export function compliancePacks(app: App) {
  return [
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new ServerlessChecks(app),
  ];
}

/**
 * Builds the stacks of one stage into `app`, in deployment order: backup copy (the locked vault in the second
 * EU region) → data → identity (user pool) → gateway (the HTTP API) → web ACL (us-east-1) → web (CloudFront,
 * and the console's app client, whose callback URL is CloudFront's) → api (functions, and routes behind an
 * authorizer that accepts that client's tokens).
 */
export function buildApp(app: App, config: StageConfig, options: BuildAppOptions): ClinicConnectStacks {
  // The config schema refuses non-EU regions already; this guards callers that build a config by hand.
  if (!isEuRegion(config.region)) {
    throw new StageConfigError(
      `Region "${config.region}" is not an EU/UK region; refusing to build the app.`,
    );
  }
  // Strong (export/import) on purpose: CloudFormation then refuses to remove a table, key or API that a
  // later stack still uses.
  CrossStackReferences.of(app).consume(ReferenceStrength.STRONG);
  const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const prefix = `ClinicConnect-${config.stage}`;

  const backupCopy = new BackupCopyStack(app, `${prefix}-BackupCopy`, {
    env: { ...env, region: config.backupCopyRegion },
    description: `ClinicConnect ${config.stage}: the locked vault in ${config.backupCopyRegion} that holds copies of the table backups`,
    config,
  });
  const data = new DataStack(app, `${prefix}-Data`, {
    env,
    description: `ClinicConnect ${config.stage}: DynamoDB tables, their key and backups`,
    config,
  });
  // The backup plan copies into the other region's vault by name: it must exist first.
  data.addStackDependency(backupCopy, 'the daily backup is copied into its vault');
  const identity = new IdentityStack(app, `${prefix}-Identity`, {
    env,
    description: `ClinicConnect ${config.stage}: Cognito user pool for staff, managed login, sign-up and token triggers`,
    config,
    directoryTable: data.tables.directory,
    tableKey: data.tableKey,
  });
  const gateway = new GatewayStack(app, `${prefix}-Gateway`, {
    env,
    description: `ClinicConnect ${config.stage}: HTTP API and its custom domain`,
    config,
  });
  const webAcl = config.webAclArn
    ? undefined
    : new WebAclStack(app, `${prefix}-WebAcl`, {
        env: { ...env, region: WEB_ACL_REGION },
        description: `ClinicConnect ${config.stage}: the CloudFront web ACL (AWS WAF; us-east-1 by AWS's design)`,
        config,
      });
  const web = new WebStack(app, `${prefix}-Web`, {
    env,
    description: `ClinicConnect ${config.stage}: web app on CloudFront, /api routed to the HTTP API; console sign-in client`,
    config,
    apiOrigin: gateway.apiOrigin,
    webAclArn: config.webAclArn ?? (webAcl as WebAclStack).webAclArn,
    identity: {
      userPool: identity.userPool,
      issuer: identity.issuer,
      managedLoginUrl: identity.domain.baseUrl(),
    },
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    description: `ClinicConnect ${config.stage}: one function and one route per entry of the route table, the API's stage`,
    config,
    routes: options.routes ?? ROUTES,
    eventFunctions: options.eventFunctions ?? EVENT_FUNCTIONS,
    capabilities: options.capabilities,
    ...(options.entryOf ? { entryOf: options.entryOf } : {}),
    tables: data.tables,
    tableKey: data.tableKey,
    httpApi: gateway.httpApi,
    ...(gateway.domain ? { apiDomain: gateway.domain } : {}),
    userPool: identity.userPool,
    userPoolClient: web.consoleClient,
    consoleOrigin: web.consoleOrigin,
  });

  // Never recorded, by construction: every role the app defines carries the deny of media capture,
  // transcription and pipelines (infra/constructs/no-recording.ts), whatever it is otherwise allowed.
  Aspects.of(app).add(new NoRecordingAspect());
  Tags.of(app).add('app', 'clinic-connect');
  Tags.of(app).add('stage', config.stage);
  if (options.compliancePacks ?? true) Validations.of(app).addPlugins(...compliancePacks(app));
  return { backupCopy, data, identity, gateway, ...(webAcl ? { webAcl } : {}), web, api };
}
