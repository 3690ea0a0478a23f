import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { EU_REGIONS, isEuRegion } from '../layers/config/regions';
import { PRACTICE_DATA_ROLE_MAX_NAME, practiceDataRolePrefix } from '../layers/isolation/practice-data-roles';

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
    /**
     * Daily AWS Backup recovery points are kept this long, in the stage's vault and in the copy in
     * `backupCopyRegion`; PITR covers the last 35 days to the second. May grow at any time; it may never be
     * shorter than `backupLockDays` (the locked vaults would refuse every backup and copy job).
     */
    backupRetentionDays: z.coerce.number().int().min(7).max(3650).default(35),
    /**
     * The vault lock's minimum retention, in both vaults (compliance mode): no recovery point can be deleted
     * or shortened before this many days by anyone, the account root included. Fixed for good once the lock's
     * cool-off has passed: choose it once per stage. See the README (Backups) for how it relates to the audit
     * trail.
     */
    backupLockDays: z.coerce.number().int().min(7).max(3650).default(35),
    /**
     * Days after the first deploy during which the vault lock can still be changed or removed (AWS Backup's
     * `ChangeableForDays`, at least 3); after them it is immutable. Long enough to see the first daily backups
     * and copies land, short enough that the window in which a stolen admin credential could lift the lock
     * closes quickly.
     */
    backupLockCoolOffDays: z.coerce.number().int().min(3).max(30).default(3),
    /**
     * A second EU region that holds a copy of every daily recovery point, in a locked vault of its own under
     * its own key. Default: eu-west-1 (Ireland), or eu-central-1 (Frankfurt) when the stage is in eu-west-1.
     */
    backupCopyRegion: z
      .string()
      .superRefine((region, ctx) => {
        if (!isEuRegion(region)) {
          ctx.addIssue({
            code: 'custom',
            message: `"${region}" is not allowed: backups stay in the EU/UK too. Allowed regions: ${EU_REGIONS.join(', ')}`,
          });
        }
      })
      .optional(),
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
    /**
     * Requests per IP address in 5 minutes to /api/* before the stage's own web ACL answers 429 (not used with
     * `webAclArn`). Staff of a practice, and NHS networks behind one internet gateway, share addresses: raise
     * it rather than lower it if real users meet it.
     */
    wafRateLimit: z.coerce.number().int().min(100).max(2_000_000_000).default(1_000),
    /**
     * A custom domain for the site; with it CloudFront enforces TLS 1.2 (the default certificate cannot), and
     * the API is reachable only through CloudFront: it gets a regional custom domain of the same name (with
     * `apiCertificateArn`) and its execute-api endpoint is disabled. Required for `prod*` stages.
     */
    webDomainName: domainName.optional(),
    webCertificateArn: z
      .string()
      .regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate in us-east-1')
      .optional(),
    /** An ACM certificate for `webDomainName` in the stage's own region (API Gateway's is regional). */
    apiCertificateArn: z
      .string()
      .regex(/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate ARN')
      .optional(),
    /**
     * Origin mutual TLS, so that nothing but this stage's CloudFront can talk to the API: the client
     * certificate CloudFront presents (ACM, us-east-1, issued by your own CA) and the S3 object holding that
     * CA's certificate as the API's truststore (`s3://bucket/key`, a bucket in the stage region). See the
     * README (A closed edge).
     */
    apiOriginCertificateArn: z
      .string()
      .regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate in us-east-1')
      .optional(),
    apiTruststoreUri: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.pem$/, 'must be s3://<bucket>/<key>.pem')
      .optional(),
    apiRateLimit: z.coerce.number().positive().default(50),
    apiBurstLimit: z.coerce.number().int().positive().default(100),
    /**
     * Reserve Lambda concurrency for functions that call outside systems (README: "Throttles and
     * concurrency"). `false` only for a first deploy into an account still at a low concurrency quota, where
     * any reservation fails; `prod*` stages must reserve.
     */
    reserveConcurrency: flag.default(true),
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
    const domainSettings = [config.webDomainName, config.webCertificateArn, config.apiCertificateArn];
    if (domainSettings.some(Boolean) && !domainSettings.every(Boolean)) {
      ctx.addIssue({
        code: 'custom',
        path: ['webDomainName'],
        message:
          'webDomainName, webCertificateArn (us-east-1, for CloudFront) and apiCertificateArn (the stage ' +
          'region, for the API behind it) go together',
      });
    }
    if (Boolean(config.apiOriginCertificateArn) !== Boolean(config.apiTruststoreUri)) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiOriginCertificateArn'],
        message: 'apiOriginCertificateArn and apiTruststoreUri go together (origin mutual TLS)',
      });
    }
    if (config.apiOriginCertificateArn && !config.webDomainName) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiOriginCertificateArn'],
        message: 'origin mutual TLS needs the API custom domain: set webDomainName and its certificates too',
      });
    }
    if (/^prod/.test(config.stage) && !config.webDomainName) {
      // Without a custom domain CloudFront cannot enforce TLS 1.2, and the API cannot be closed to everything
      // but CloudFront (its execute-api endpoint stays open): neither is acceptable with real patients.
      ctx.addIssue({
        code: 'custom',
        path: ['webDomainName'],
        message:
          `stage "${config.stage}" needs a custom domain: -c webDomainName=... -c webCertificateArn=... ` +
          '-c apiCertificateArn=... (CloudFront then requires TLSv1.2_2021, and the API is reachable only ' +
          'through CloudFront)',
      });
    }
    if (config.apiCertificateArn && config.apiCertificateArn.split(':')[3] !== config.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiCertificateArn'],
        message: `must be an ACM certificate in the stage's region, ${config.region} (API Gateway custom domains are regional)`,
      });
    }
    if (config.backupLockDays > config.backupRetentionDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['backupRetentionDays'],
        message:
          `must be at least backupLockDays (${config.backupLockDays}): the locked vaults refuse any backup ` +
          'kept for less than their minimum retention',
      });
    }
    if (PRACTICE_DATA_ROLE_MAX_NAME - practiceDataRolePrefix(config.stage, config.region).length < 8) {
      ctx.addIssue({
        code: 'custom',
        path: ['stage'],
        message:
          `is too long for ${config.region}: each function's practice data role is named ` +
          'ClinicConnect-<stage>-<region>-PracticeData-<function>, at most 64 characters',
      });
    }
    if (/^prod/.test(config.stage) && !config.reserveConcurrency) {
      ctx.addIssue({
        code: 'custom',
        path: ['reserveConcurrency'],
        message: `stage "${config.stage}" must reserve concurrency for the functions that call outside systems`,
      });
    }
    if (config.backupCopyRegion === config.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['backupCopyRegion'],
        message: `must be another region than the stage's own (${config.region}): the copy is for losing a region`,
      });
    }
  })
  .transform((config) => ({
    ...config,
    backupCopyRegion: (config.backupCopyRegion ??
      defaultBackupCopyRegion(config.region)) as (typeof EU_REGIONS)[number],
  }));

/** The region that holds the copies of a stage's backups unless `backupCopyRegion` says otherwise. */
export function defaultBackupCopyRegion(region: string): (typeof EU_REGIONS)[number] {
  return region === 'eu-west-1' ? 'eu-central-1' : 'eu-west-1';
}

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
  'backupLockDays',
  'backupLockCoolOffDays',
  'backupCopyRegion',
  'logRetentionDays',
  'staffEmailDomains',
  'webAclArn',
  'wafRateLimit',
  'webDomainName',
  'webCertificateArn',
  'apiCertificateArn',
  'apiOriginCertificateArn',
  'apiTruststoreUri',
  'apiRateLimit',
  'apiBurstLimit',
  'reserveConcurrency',
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
