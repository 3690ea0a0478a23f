import { describe, expect, it } from 'vitest';
import { BaseConfig } from '../../../layers/config/base-config';
import { ConfigError, loadConfig } from '../../../layers/config/load-config';
import * as z from '../../../layers/validation/z';

const good = { APP_VERSION: '1.2.3', STAGE: 'dev', AWS_REGION: 'eu-west-2' };

describe('loadConfig', () => {
  it('returns typed settings when the environment is complete', () => {
    const config = loadConfig(z.extend(BaseConfig, { TABLE_DIRECTORY: z.string() }), {
      ...good,
      TABLE_DIRECTORY: 't',
    });
    expect(config).toMatchObject({ ...good, TABLE_DIRECTORY: 't' });
  });

  it('names every missing or bad setting in one message', () => {
    const attempt = () =>
      loadConfig(z.extend(BaseConfig, { TABLE_DIRECTORY: z.string() }), { STAGE: 'Prod!' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/APP_VERSION/);
    expect(attempt).toThrow(/STAGE/);
    expect(attempt).toThrow(/AWS_REGION/);
    expect(attempt).toThrow(/TABLE_DIRECTORY/);
  });

  it.each(['us-east-1', 'ap-southeast-2', 'eu-west-9'])('refuses the non-EU region %s', (region) => {
    expect(() => loadConfig(BaseConfig, { ...good, AWS_REGION: region })).toThrow(
      /AWS_REGION: must be an EU region/,
    );
  });

  it('accepts a local DynamoDB endpoint only as a URL', () => {
    expect(() => loadConfig(BaseConfig, { ...good, DYNAMODB_ENDPOINT: 'not a url' })).toThrow(
      /DYNAMODB_ENDPOINT/,
    );
  });
});
