import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { EU_REGIONS, isEuRegion } from '../layers/config/regions';

/** The repository root: function entries, the lock file and the built web app are found from here. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Raised at synth when the context or environment does not describe a deployable stage. */
export class StageConfigError extends Error {
  override readonly name = 'StageConfigError';
}

/** The retention periods CloudWatch Logs accepts; anything else is refused at synth, not at deploy. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** `-c key=a,b` arrives as a string, cdk.json may hold an array: accept both. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((item) => item.trim()))
  .transform((items) => items.filter((item) => item.length > 0));

/** `-c flag=true` arrives as a string, cdk.json may hold a boolean: accept both, and nothing else. */
export const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')], {
  error: 'must be true or false',
});

const domainName = z.string().regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i, 'a DNS name');

export const StageConfigSchema = z
  .object({
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,20}$/, 'must be a short lowercase stage name such as "dev" or "prod"')
      .default('dev'),
    region: z
      .string()
      .default('eu-west-2')
      .superRefine((region, ctx) => {
        if (!isEuRegion(region)) {
          ctx.addIssue({
            code: 'custom',
            message:
              `"${region}" is not allowed: patient data and video media must stay in the EU/UK (R11). ` +
              `Allowed regions: ${EU_REGIONS.join(', ')}`,
          });
        }
      })
      .transform((region) => region as (typeof EU_REGIONS)[number]),
    /** Unset: the stacks are account-agnostic, which is all synth needs. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    appVersion: z.string().min(1),
    /** Daily AWS Backup recovery points are kept this long; PITR covers the last 35 days to the second. */
    backupRetentionDays: z.coerce.number().int().min(7).max(3650).default(35),
    logRetentionDays: z.coerce
      .number()
      .int()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(365)
      .transform((days) => days as RetentionDays),
    /**
     * Staff may only sign up with addresses in these domains (R2): Cognito's pre-sign-up trigger and the
     * registration route check them. Staff tokens come from the stage's own Cognito user pool.
     */
    staffEmailDomains: list.pipe(z.array(domainName).min(1)).default(['nhs.net']),
    /** A WAFv2 web ACL for CloudFront; these always live in us-east-1. */
    webAclArn: z
      .string()
      .regex(
        /^arn:aws:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/,
        'must be the ARN of a CLOUDFRONT-scoped WAFv2 web ACL (us-east-1, global/webacl/...)',
      )
      .optional(),
    /** A custom domain for the site; with it CloudFront enforces TLS 1.2 (the default certificate cannot). */
    webDomainName: domainName.optional(),
    webCertificateArn: z
      .string()
      .regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate in us-east-1')
      .optional(),
    apiRateLimit: z.coerce.number().positive().default(50),
    apiBurstLimit: z.coerce.number().int().positive().default(100),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Operator alarms (PDS refusing our credentials, rate limits hit, unhandled errors) also go here. */
    alarmEmail: z.string().email('must be an email address').optional(),
    /** The built web app (`npm run build:web`); deployed when present. */
    webDistDir: z
      .string()
      .min(1)
      .default(join(REPO_ROOT, 'web', 'dist')),
  })
  .superRefine((config, ctx) => {
    if (Boolean(config.webDomainName) !== Boolean(config.webCertificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: ['webDomainName'],
        message: 'webDomainName and webCertificateArn go together',
      });
    }
  });

type StageConfigFields = z.output<typeof StageConfigSchema>;

/**
 * The stage's settings, and the raw CDK context they came from: an outside system's own settings
 * (infra/capabilities/<id>.ts) and an area's (a function's `settings`) are read from it where they are used.
 */
export type StageConfig = StageConfigFields & { readContext: (key: string) => unknown };

/** Context keys read from `-c key=value` or cdk.json; each is a field of StageConfig. */
const CONTEXT_KEYS = [
  'stage',
  'region',
  'account',
  'appVersion',
  'backupRetentionDays',
  'logRetentionDays',
  'staffEmailDomains',
  'webAclArn',
  'webDomainName',
  'webCertificateArn',
  'apiRateLimit',
  'apiBurstLimit',
  'logLevel',
  'alarmEmail',
  'webDistDir',
] as const satisfies readonly (keyof StageConfigFields)[];

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/**
 * Reads the stage from CDK context first, then the environment (CDK_DEFAULT_ACCOUNT, APP_VERSION set by CI),
 * then defaults. Every problem is reported at once, naming the context key to fix.
 */
export function loadStageConfig(
  readContext: (key: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): StageConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = readContext(key);
    if (value !== undefined && value !== '') raw[key] = value;
  }
  raw.account ??= env.CDK_DEFAULT_ACCOUNT || undefined;
  raw.appVersion ??= env.APP_VERSION || packageVersion();

  const parsed = StageConfigSchema.safeParse(raw);
  if (parsed.success) return { ...parsed.data, readContext };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
  );
  throw new StageConfigError(`Invalid stage configuration (CDK context). ${problems.join('; ')}`);
}
