import { describe, expect, it } from 'vitest';
import { loadStageConfig, StageConfigError } from '../../infra/config';
import { EU_REGIONS } from '../../layers/config/regions';

function load(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return loadStageConfig((key) => context[key], env);
}

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
      pdsEnvironment: 'production',
      pdsSecretName: 'clinic-connect/pds',
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

  it('refuses a log retention CloudWatch does not offer', () => {
    expect(() => load({ logRetentionDays: '100' })).toThrow(/logRetentionDays: must be one of/);
  });

  it('wants domain and certificate together', () => {
    expect(() => load({ webDomainName: 'connect.example.nhs.uk' })).toThrow(
      /webDomainName and webCertificateArn/,
    );
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

  it('reports every problem at once', () => {
    expect(() => load({ stage: 'Prod!', region: 'us-west-2' })).toThrow(/stage: .*region: /);
  });
});
