import { describe, expect, it } from 'vitest';
import { CdkStageUsageError, cdkArguments } from '../../../infra/ops/cdk-stage';

describe('npm run deploy / npm run diff', () => {
  it.each([
    [['--stage', 'dev'], {}],
    [['--stage=dev'], {}],
    [[], { STAGE: 'dev' }],
    [['-c', 'stage=dev'], {}],
    [['--context', 'stage=dev'], { STAGE: 'dev' }],
  ])('deploy every stack of the stage: %j with %j', (argv, env) => {
    expect(cdkArguments('deploy', argv, env)).toEqual(['deploy', '--all', '-c', 'stage=dev']);
  });

  it('pass every other argument through, -c settings included, in order', () => {
    expect(
      cdkArguments(
        'diff',
        [
          '-c',
          'region=eu-west-1',
          '--stage',
          'staging',
          '--profile',
          'ops',
          '-c',
          'alarmEmail=ops@example.org',
        ],
        {},
      ),
    ).toEqual([
      'diff',
      '--all',
      '-c',
      'stage=staging',
      '-c',
      'region=eu-west-1',
      '--profile',
      'ops',
      '-c',
      'alarmEmail=ops@example.org',
    ]);
  });

  it('let --stage win over STAGE from the environment', () => {
    expect(cdkArguments('deploy', ['--stage', 'prod'], { STAGE: 'dev' })).toContain('stage=prod');
  });

  it('refuse to guess: no stage, two different stages, or not a stage name', () => {
    expect(() => cdkArguments('deploy', [], {})).toThrow(CdkStageUsageError);
    expect(() => cdkArguments('deploy', [], {})).toThrow(/npm run deploy -- --stage dev \(or STAGE=dev/);
    expect(() => cdkArguments('deploy', ['--stage', 'dev', '-c', 'stage=prod'], {})).toThrow(
      /Two stages given: dev and prod/,
    );
    expect(() => cdkArguments('diff', ['--stage'], {})).toThrow(/--stage needs a stage name/);
    expect(() => cdkArguments('diff', ['--stage', '--all'], {})).toThrow(/--stage needs a stage name/);
    expect(() => cdkArguments('diff', ['--stage', 'Prod!'], {})).toThrow(/"Prod!" is not a stage name/);
  });
});
