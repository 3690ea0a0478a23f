import { describe, expect, it } from 'vitest';
import { loadStageConfig, StageConfigError } from '../../infra/config';
import { EU_REGIONS } from '../../layers/config/regions';
import { CUSTOM_DOMAIN, ORIGIN_MTLS } from './support';

function load(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return loadStageConfig((key) => context[key], env);
}

/** What a `prod*` stage needs: the production PDS and its own domain, with both certificates. */
const PRODUCTION = { pdsEnvironment: 'production', pdsSecretName: 'clinic-connect/pds', ...CUSTOM_DOMAIN };

describe('stage config', () => {
  it('defaults to a dev stage in London, account-agnostic, with the package version', () => {
    const config = load({});
    expect(config).toMatchObject({
      stage: 'dev',
      region: 'eu-west-2',
      backupRetentionDays: 35,
      logRetentionDays: 365,
      staffEmailDomains: ['nhs.net'],
      logLevel: 'INFO',
    });
    expect(config.account).toBeUndefined();
    expect(config.appVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('takes the account from CDK_DEFAULT_ACCOUNT and the version from APP_VERSION', () => {
    const config = load({}, { CDK_DEFAULT_ACCOUNT: '123456789012', APP_VERSION: 'abc1234' });
    expect(config.account).toBe('123456789012');
    expect(config.appVersion).toBe('abc1234');
  });

  it('parses context strings: numbers, comma-separated lists', () => {
    const config = load({
      stage: 'prod',
      ...PRODUCTION,
      apiCertificateArn: 'arn:aws:acm:eu-central-1:123456789012:certificate/89abcdef-0123',
      region: 'eu-central-1',
      backupRetentionDays: '90',
      logRetentionDays: '731',
      staffEmailDomains: 'nhs.net, nhs.uk',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      region: 'eu-central-1',
      backupRetentionDays: 90,
      logRetentionDays: 731,
      staffEmailDomains: ['nhs.net', 'nhs.uk'],
    });
  });

  it.each(['us-east-1', 'eu-west-9', 'ap-southeast-2', 'il-central-1'])(
    'refuses the non-EU region %s',
    (region) => {
      expect(() => load({ region })).toThrow(StageConfigError);
      expect(() => load({ region })).toThrow(new RegExp(`"${region}" is not allowed`));
    },
  );

  it('names every allowed region in the refusal', () => {
    expect(() => load({ region: 'us-east-1' })).toThrow(EU_REGIONS.join(', '));
  });

  it.each(EU_REGIONS)('accepts %s', (region) => {
    expect(load({ region }).region).toBe(region);
  });

  it('refuses a stage name too long to name its practice data roles in the stage’s region', () => {
    expect(() => load({ stage: 'a-very-long-stage-nm', region: 'eu-central-1' })).toThrow(
      /stage: is too long for eu-central-1: each function's practice data role is named/,
    );
    expect(load({ stage: 'a-long-stage-15', region: 'eu-central-1' }).stage).toBe('a-long-stage-15');
  });

  it('refuses a log retention CloudWatch does not offer', () => {
    expect(() => load({ logRetentionDays: '100' })).toThrow(/logRetentionDays: must be one of/);
  });

  it('wants the domain and both its certificates together', () => {
    for (const missing of Object.keys(CUSTOM_DOMAIN)) {
      const partial = Object.fromEntries(Object.entries(CUSTOM_DOMAIN).filter(([key]) => key !== missing));
      expect(() => load(partial), missing).toThrow(
        /webDomainName: webDomainName, webCertificateArn \(us-east-1, for CloudFront\) and apiCertificateArn/,
      );
    }
    expect(load(CUSTOM_DOMAIN)).toMatchObject(CUSTOM_DOMAIN);
  });

  it('wants the API certificate in the stage region, and the CloudFront one in us-east-1', () => {
    expect(() => load({ ...CUSTOM_DOMAIN, region: 'eu-west-1' })).toThrow(
      /apiCertificateArn: must be an ACM certificate in the stage's region, eu-west-1/,
    );
    expect(() => load({ ...CUSTOM_DOMAIN, webCertificateArn: CUSTOM_DOMAIN.apiCertificateArn })).toThrow(
      /webCertificateArn: must be an ACM certificate in us-east-1/,
    );
  });

  it('takes origin mutual TLS only whole, and only with the custom domain', () => {
    expect(load({ ...CUSTOM_DOMAIN, ...ORIGIN_MTLS })).toMatchObject(ORIGIN_MTLS);
    expect(() =>
      load({ ...CUSTOM_DOMAIN, apiOriginCertificateArn: ORIGIN_MTLS.apiOriginCertificateArn }),
    ).toThrow(/apiOriginCertificateArn: apiOriginCertificateArn and apiTruststoreUri go together/);
    expect(() => load(ORIGIN_MTLS)).toThrow(/origin mutual TLS needs the API custom domain/);
    expect(() => load({ ...CUSTOM_DOMAIN, ...ORIGIN_MTLS, apiTruststoreUri: 'https://x/ca.pem' })).toThrow(
      /apiTruststoreUri: must be s3:\/\/<bucket>\/<key>.pem/,
    );
  });

  it.each(['prod', 'prod-eu', 'production'])(
    'refuses the %s stage without a custom domain (TLS 1.2 at CloudFront, the API closed to all else)',
    (stage) => {
      const withoutDomain = { stage, pdsEnvironment: 'production', pdsSecretName: 'clinic-connect/pds' };
      expect(() => load(withoutDomain)).toThrow(StageConfigError);
      expect(() => load(withoutDomain)).toThrow(
        new RegExp(`webDomainName: stage "${stage}" needs a custom domain: -c webDomainName=`),
      );
      expect(load({ stage, ...PRODUCTION })).toMatchObject({ stage, ...CUSTOM_DOMAIN });
    },
  );

  it('leaves the custom domain optional for other stages', () => {
    expect(load({ stage: 'staging' }).webDomainName).toBeUndefined();
    expect(load({ stage: 'preprod' }).webDomainName).toBeUndefined();
  });

  it('rate-limits each IP to 1,000 API requests in 5 minutes at the web ACL unless told otherwise', () => {
    expect(load({}).wafRateLimit).toBe(1_000);
    expect(load({ wafRateLimit: '5000' }).wafRateLimit).toBe(5_000);
    expect(() => load({ wafRateLimit: '10' })).toThrow(/wafRateLimit: /);
  });

  it('has no token issuer settings: staff tokens always come from the stage’s own user pool', () => {
    expect(load({ jwtIssuer: 'https://issuer.example', jwtAudience: 'x' })).not.toHaveProperty('jwtIssuer');
  });

  it('refuses a staff email domain that is not a DNS name', () => {
    expect(() => load({ staffEmailDomains: 'nhs.net,not a domain' })).toThrow(/staffEmailDomains/);
  });

  it('refuses a web ACL that CloudFront cannot use', () => {
    expect(() =>
      load({ webAclArn: 'arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/acl/0123-abcd' }),
    ).toThrow(/webAclArn/);
  });

  it('takes an alarm email address, and refuses something else', () => {
    expect(load({ alarmEmail: 'ops@example.org' }).alarmEmail).toBe('ops@example.org');
    expect(() => load({ alarmEmail: 'ops team' })).toThrow(/alarmEmail: must be an email address/);
  });

  describe('backups', () => {
    it('keep daily points 35 days, locked for 35 days with a 3-day cool-off, copied to Ireland', () => {
      expect(load({})).toMatchObject({
        backupRetentionDays: 35,
        backupLockDays: 35,
        backupLockCoolOffDays: 3,
        backupCopyRegion: 'eu-west-1',
      });
    });

    it('copy to another EU region by default when the stage itself is in Ireland', () => {
      expect(load({ region: 'eu-west-1' }).backupCopyRegion).toBe('eu-central-1');
      expect(load({ region: 'eu-central-1' }).backupCopyRegion).toBe('eu-west-1');
      expect(load({ backupCopyRegion: 'eu-north-1' }).backupCopyRegion).toBe('eu-north-1');
    });

    it.each(['us-east-1', 'eu-west-9', 'me-central-1'])('refuse to copy to %s', (backupCopyRegion) => {
      expect(() => load({ backupCopyRegion })).toThrow(
        new RegExp(`backupCopyRegion: "${backupCopyRegion}" is not allowed: backups stay in the EU/UK`),
      );
    });

    it('refuse a copy into the stage’s own region', () => {
      expect(() => load({ backupCopyRegion: 'eu-west-2' })).toThrow(
        /backupCopyRegion: must be another region than the stage's own \(eu-west-2\)/,
      );
    });

    it('refuse a retention shorter than the lock, which would fail every backup job', () => {
      expect(() => load({ backupLockDays: '90' })).toThrow(
        /backupRetentionDays: must be at least backupLockDays \(90\)/,
      );
      expect(load({ backupLockDays: '90', backupRetentionDays: '365' })).toMatchObject({
        backupLockDays: 90,
        backupRetentionDays: 365,
      });
    });

    it('refuse a cool-off AWS Backup does not allow', () => {
      expect(() => load({ backupLockCoolOffDays: '2' })).toThrow(/backupLockCoolOffDays: /);
      expect(load({ backupLockCoolOffDays: '7' }).backupLockCoolOffDays).toBe(7);
    });
  });

  it('reports every problem at once', () => {
    expect(() => load({ stage: 'Prod!', region: 'us-west-2' })).toThrow(/stage: .*region: /);
  });
});
