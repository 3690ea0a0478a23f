import { join, resolve } from 'node:path';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { z } from 'zod';
import { PDS_ENVIRONMENTS } from '../../layers/pds/pds-config';
import { REPO_ROOT, StageConfigError } from '../config';
import { loadOrCreateLocalPdsCredentials } from '../local/pds/local-pds-credentials';
import { type PdsServer, startPdsServer } from '../local/pds/pds-server';
import { defineCapability } from './capability';

/** The project's synthetic patients (999 test range), described in its README. */
export const DEFAULT_PDS_PATIENTS_DIR = join(REPO_ROOT, 'infra', 'local', 'pds', 'patients');

/**
 * The stage's PDS settings (CDK context). `sandbox`, the default for a first deploy, is open and holds only
 * test patients; `integration` and `production` need the application's signing key in the Secrets Manager
 * secret `pdsSecretName`, created by an operator, never by this app (README: "PDS credentials").
 */
export const PdsStageSettings = z
  .object({
    stage: z.string(),
    pdsEnvironment: z.enum(['sandbox', 'integration', 'production']).default('sandbox'),
    pdsSecretName: z
      .string()
      .regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name')
      // Looked up by partial ARN: a name ending in a hyphen and six characters would be read as a full ARN.
      .refine((name) => !/-[A-Za-z0-9]{6}$/.test(name), {
        message: 'must not end in a hyphen and six characters (Secrets Manager would take it for a full ARN)',
      })
      .optional(),
  })
  .superRefine((settings, ctx) => {
    if (/^prod/.test(settings.stage) && settings.pdsEnvironment !== 'production') {
      // The sandbox is public: real NHS numbers typed in production must never go there.
      ctx.addIssue({
        code: 'custom',
        path: ['pdsEnvironment'],
        message: `stage "${settings.stage}" must use the production PDS (-c pdsEnvironment=production)`,
      });
    }
    if (settings.pdsEnvironment !== 'sandbox' && !settings.pdsSecretName) {
      ctx.addIssue({
        code: 'custom',
        path: ['pdsSecretName'],
        message: `PDS ${settings.pdsEnvironment} needs the secret holding the application's API key and signing key`,
      });
    }
  });
export type PdsStageSettings = z.output<typeof PdsStageSettings>;

export function pdsStageSettings(stage: string, context: (key: string) => unknown): PdsStageSettings {
  const raw = {
    stage,
    pdsEnvironment: context('pdsEnvironment') || undefined,
    pdsSecretName: context('pdsSecretName') || undefined,
  };
  const parsed = PdsStageSettings.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new StageConfigError(`Invalid stage configuration (CDK context). ${problems.join('; ')}`);
}

/**
 * NHS England's Personal Demographics Service. In AWS: the PDS environment's URLs and, beyond the sandbox,
 * read access to the one secret holding our signing key. Locally: a stand-in speaking the same HTTP API and
 * token flow (infra/local/pds/pds-server.ts), so the same client code runs against it.
 */
export const capability = defineCapability({
  id: 'pds',
  summary: 'NHS England Personal Demographics Service (patient lookup)',
  // The signing key's secret, beyond the sandbox.
  clients: ['SecretsManager'],
  // The lookup route is throttled to 10 requests a second; at PDS's usual answer times (well under a
  // second) that is under 10 concurrent lookups. 25 leaves room for a slow spell, and when PDS hangs (9 s
  // per lookup at worst) lookups wait on at most 25 executions, never the account's whole pool.
  reservedConcurrency: 25,
  alarms: [
    {
      metric: 'PdsAccessDenied',
      threshold: 1,
      periodMinutes: 5,
      description: 'PDS refused our credentials (401/403): no lookup can work. Check the PDS secret and key.',
    },
    {
      metric: 'PdsUnavailable',
      threshold: 5,
      periodMinutes: 5,
      description: 'PDS did not answer 5 or more lookups in 5 minutes.',
    },
  ],

  aws(stage) {
    const settings = pdsStageSettings(stage.config.stage, stage.context);
    const target = PDS_ENVIRONMENTS[settings.pdsEnvironment];
    // Looked up by name: the secret holds our signing key, so operators create it, never this app.
    const secret =
      target.tokenUrl && settings.pdsSecretName
        ? Secret.fromSecretNameV2(stage.scope, 'PdsSecret', settings.pdsSecretName)
        : undefined;
    return {
      use: () => ({
        environment: {
          PDS_BASE_URL: target.baseUrl,
          ...(target.tokenUrl ? { PDS_TOKEN_URL: target.tokenUrl } : {}),
          ...(secret ? { PDS_SECRET_ID: secret.secretArn } : {}),
        },
        statements: secret
          ? [
              new PolicyStatement({
                sid: 'ReadPdsSigningKey',
                effect: Effect.ALLOW,
                actions: ['secretsmanager:GetSecretValue'],
                // A name-only reference: Secrets Manager appends six random characters to the ARN.
                resources: [`${secret.secretArn}-??????`],
              }),
            ]
          : [],
      }),
    };
  },

  async local(stage) {
    const patientsDir = resolve(stage.env.PDS_PATIENTS_DIR ?? DEFAULT_PDS_PATIENTS_DIR);
    const credentials = await loadOrCreateLocalPdsCredentials(stage.dataDir);
    const server = await startPdsServer({
      patientsDir,
      clients: [
        {
          apiKey: credentials.credentials.apiKey,
          kid: credentials.credentials.kid,
          publicJwk: credentials.publicJwk,
        },
      ],
    });
    const standIn: PdsServer & { patientsDir: string } = Object.assign(server, { patientsDir });
    return Object.assign(standIn, {
      environment: {
        PDS_BASE_URL: server.url,
        PDS_TOKEN_URL: server.tokenUrl,
        PDS_CREDENTIALS_FILE: credentials.file,
      },
      describe: () => [
        `Local NHS demographics service (PDS): ${server.url}`,
        `  serving ${patientsDir}`,
        '  Try a patient lookup as the clinician: NHS number 999 000 0018, born 12 April 1980.',
        "  Every synthetic patient (restricted, deceased, no mobile, ...) is listed in that directory's README.md.",
      ],
      close: () => server.stop(),
    });
  },
});
