import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { S3Client } from '@aws-sdk/client-s3';
import { BaseConfig } from '../config/base-config';
import * as z from '../validation/z';
import { AthenaKeyUsage } from './athena-key-usage';
import { CloudTrailPublicKeys } from './cloudtrail-public-keys';
import { PrincipalAllowList } from './key-usage';
import { type KeyUsageSource, TrailFileKeyUsage } from './key-usage-source';
import { LOCAL_ROLE_PREFIX, LOCAL_TRAIL, LocalKeyTrail } from './local-key-trail';
import { S3TrailObjects } from './s3-trail-objects';
import { TrailValidator } from './validator';

const name = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, 'is not a name'));

/**
 * The compliance trail's settings. In AWS: the trail (`TRAIL_ARN`), its bucket, the Athena workgroup and Glue
 * table, and the app's own roles (`TRAIL_ALLOWED_PRINCIPALS`, IAM-style wildcards, comma-separated). Locally
 * (`STAGE=local` only): `LOCAL_TRAIL_DIR`, the local key service's trail.
 */
export const TrailConfig = z
  .object({
    STAGE: BaseConfig.shape.STAGE,
    AWS_REGION: BaseConfig.shape.AWS_REGION,
    TRAIL_ARN: z.optional(
      z.string().check(z.regex(/^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/.+$/)),
    ),
    TRAIL_BUCKET: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/))),
    ATHENA_WORKGROUP: z.optional(name),
    ATHENA_DATABASE: z.optional(name),
    ATHENA_TABLE: z.optional(name),
    TRAIL_ALLOWED_PRINCIPALS: z.optional(z.string().check(z.minLength(1))),
    LOCAL_TRAIL_DIR: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    ...(
      [
        'TRAIL_ARN',
        'TRAIL_BUCKET',
        'ATHENA_WORKGROUP',
        'ATHENA_DATABASE',
        'ATHENA_TABLE',
        'TRAIL_ALLOWED_PRINCIPALS',
      ] as const
    ).map((variable) =>
      z.refine(
        (config: unknown) => {
          const settings = config as Record<string, unknown>;
          return Boolean(settings.LOCAL_TRAIL_DIR) || Boolean(settings[variable]);
        },
        {
          message: 'is required: the compliance trail the AWS evidence comes from',
          path: [variable],
        },
      ),
    ),
    z.refine((config) => !config.LOCAL_TRAIL_DIR || config.STAGE === 'local', {
      message: 'is for the local stack only (STAGE=local)',
      path: ['LOCAL_TRAIL_DIR'],
    }),
  );
export type TrailConfig = z.infer<typeof TrailConfig>;

export interface TrailEvidence {
  trailArn: string;
  keyUsage: KeyUsageSource;
  validator(): Promise<TrailValidator>;
  /** The app's own roles: anyone else using a practice's key or items is called out. */
  allow: PrincipalAllowList;
}

export function trailEvidenceFrom(config: TrailConfig): TrailEvidence {
  if (config.LOCAL_TRAIL_DIR) {
    const trail = new LocalKeyTrail(config.LOCAL_TRAIL_DIR);
    return {
      trailArn: LOCAL_TRAIL.trailArn,
      keyUsage: new TrailFileKeyUsage(trail.objects, LOCAL_TRAIL),
      validator: () => trail.validator(),
      allow: new PrincipalAllowList([`${LOCAL_ROLE_PREFIX}*`]),
    };
  }
  const s3 = new S3Client({ region: config.AWS_REGION, maxAttempts: 3 });
  const trailArn = config.TRAIL_ARN as string;
  const validator = new TrailValidator({
    objects: new S3TrailObjects(s3),
    publicKeys: new CloudTrailPublicKeys(
      new CloudTrailClient({ region: trailArn.split(':')[3] as string, maxAttempts: 3 }),
    ),
    trailArn,
    bucket: config.TRAIL_BUCKET as string,
  });
  return {
    trailArn,
    keyUsage: new AthenaKeyUsage(new AthenaClient({ region: config.AWS_REGION, maxAttempts: 3 }), {
      workGroup: config.ATHENA_WORKGROUP as string,
      database: config.ATHENA_DATABASE as string,
      table: config.ATHENA_TABLE as string,
    }),
    validator: async () => validator,
    allow: new PrincipalAllowList(
      (config.TRAIL_ALLOWED_PRINCIPALS as string).split(',').map((p) => p.trim()),
    ),
  };
}
