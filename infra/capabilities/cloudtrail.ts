import { Aws, Stack } from 'aws-cdk-lib';
import { z } from 'zod';
import { practiceDataRolePrefix } from '../../layers/isolation/practice-data-roles';
import { LocalKeyTrail, localTrailDir } from '../../layers/trail/local-key-trail';
import { StageConfigError } from '../config';
import { objectsFinding } from '../constructs/acknowledge';
import { ComplianceTrail } from '../constructs/compliance-trail';
import { defineCapability } from './capability';

/** Six years, as the audit digests, unless the stage says otherwise. */
const TrailStageSettings = z.object({
  trailLockDays: z.coerce.number().int().min(1).max(36_500).default(2_190),
});

/** How often the local trail delivers a digest: CloudTrail does hourly; a laptop wants to see it work. */
export const LOCAL_DIGEST_EVERY_MS = 60_000;

/**
 * The compliance trail: CloudTrail, its locked bucket, Athena and the Glue table (infra/constructs/
 * compliance-trail.ts), and read access for the functions that report from it. The app's own roles (everything
 * this stage's stacks made, and the practice data role by its fixed name) are what `TRAIL_ALLOWED_PRINCIPALS`
 * lists; any other principal on a practice's key is called out. Locally: the trail the local key service writes
 * (layers/trail/local-key-trail.ts), with a digest every minute.
 */
export const capability = defineCapability({
  id: 'cloudtrail',
  summary: 'The compliance trail: CloudTrail (validated, locked), queried with Athena',
  clients: ['Athena', 'CloudTrail', 'S3'],

  aws(stage) {
    const raw = stage.context('trailLockDays');
    const parsed = TrailStageSettings.safeParse({ trailLockDays: raw === '' ? undefined : raw });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new StageConfigError(`Invalid stage configuration (CDK context). ${problems.join('; ')}`);
    }
    const trail = new ComplianceTrail(stage.scope, 'ComplianceTrail', {
      stage: stage.config.stage,
      lockDays: parsed.data.trailLockDays,
      logRetentionDays: stage.config.logRetentionDays,
      tables: Object.values(stage.tables),
      buckets: () => stage.dataEventBuckets,
    });
    const account = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role`;
    const allowed = [
      // Every function's practice data role (one per function: layers/isolation/practice-data-roles.ts).
      `${account}/${practiceDataRolePrefix(stage.config.stage, stage.config.region)}*`,
      // The roles of this stage's functions (onboarding creates keys, offboarding schedules their deletion).
      `${account}/${Stack.of(stage.scope).stackName}-*`,
    ];
    return {
      use: () => ({
        environment: {
          TRAIL_ARN: trail.trailArn,
          TRAIL_BUCKET: trail.bucket.bucketName,
          ATHENA_WORKGROUP: trail.workGroup.ref,
          ATHENA_DATABASE: trail.database,
          ATHENA_TABLE: trail.table,
          TRAIL_ALLOWED_PRINCIPALS: allowed.join(','),
        },
        statements: trail.readerStatements(),
        acknowledgements: [
          {
            findings: [
              objectsFinding(trail.bucket, 'AWSLogs/*'),
              objectsFinding(trail.resultsBucket, 'results/*'),
              'AwsSolutions-IAM5[Resource::*]',
            ],
            reason:
              'CloudTrail names each log and digest file by account, region, day and a random string (read under ' +
              'AWSLogs/ only, never written); Athena writes each query’s results under results/ with the query ' +
              'id as the name; cloudtrail:ListPublicKeys has no resource to name (the regional signing keys are ' +
              'CloudTrail’s own, not the trail’s).',
          },
        ],
      }),
    };
  },

  async local(stage) {
    const dir = localTrailDir(stage.dataDir);
    const trail = new LocalKeyTrail(dir);
    const deliver = () =>
      trail
        .deliverDigest()
        .catch((error: Error) => console.error(`[trail] digest not delivered: ${error.message}`));
    const timer = setInterval(deliver, LOCAL_DIGEST_EVERY_MS);
    timer.unref();
    return {
      environment: { LOCAL_TRAIL_DIR: dir },
      /** Delivers a digest now (tests, and the banner's promise that one comes every minute). */
      deliverDigest: () => trail.deliverDigest(),
      trail,
      describe: () => [
        `Local CloudTrail: every use of a practice key, in CloudTrail's format, in ${dir}`,
        '  a digest signed with the local trail key every minute; the audit report validates it.',
      ],
      close: async () => clearInterval(timer),
    };
  },
});
