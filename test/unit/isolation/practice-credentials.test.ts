import { AssumeRoleCommand, type AssumeRoleCommandOutput, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AmbientCredentials,
  InvalidPracticeIdError,
  PRACTICE_TAG_KEY,
  practiceSessionName,
  StsPracticeCredentials,
  type StsPracticeCredentialsOptions,
} from '../../../layers/isolation/practice-credentials';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/ClinicConnect-dev-Api-PracticeDataRole';
const T0 = Date.parse('2026-03-02T09:00:00Z');
const SESSION_MS = 900_000;

const sts = new STSClient({ region: 'eu-west-2' });
const stsMock = mockClient(sts);

let clock = T0;
let issued = 0;

/** STS's answer: fresh keys each time, naming the practice the session is tagged with, valid for 15 minutes. */
function assumeRoleAnswer(input: AssumeRoleCommand['input']): AssumeRoleCommandOutput {
  issued += 1;
  const practiceId = input.Tags?.[0]?.Value ?? 'untagged';
  return {
    $metadata: {},
    Credentials: {
      AccessKeyId: `ASIA${issued}${practiceId}`,
      SecretAccessKey: `secret-${issued}`,
      SessionToken: `token-${issued}-${practiceId}`,
      Expiration: new Date(clock + (input.DurationSeconds ?? 900) * 1000),
    },
  };
}

function credentials(options: Partial<StsPracticeCredentialsOptions> = {}) {
  return new StsPracticeCredentials({ roleArn: ROLE_ARN, sts, now: () => clock, ...options });
}

function assumeRoleCalls() {
  return stsMock.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
}

/** What the SDK does on each request: ask the client's credentials provider. */
async function resolve(provider: ReturnType<StsPracticeCredentials['forPractice']>) {
  return provider();
}

beforeEach(() => {
  stsMock.reset();
  clock = T0;
  issued = 0;
  stsMock.on(AssumeRoleCommand).callsFake(assumeRoleAnswer);
});

describe('StsPracticeCredentials', () => {
  it('assumes the practice data role with the practiceId session tag', async () => {
    const identity = await resolve(credentials().forPractice('practice-a'));

    const [input, ...others] = assumeRoleCalls();
    expect(others).toEqual([]);
    expect(input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: expect.stringMatching(/^practice-practice-a-[0-9a-f]{8}$/),
      DurationSeconds: 900,
      Tags: [{ Key: 'practiceId', Value: 'practice-a' }],
    });
    expect(PRACTICE_TAG_KEY).toBe('practiceId');
    expect(identity).toEqual({
      accessKeyId: 'ASIA1practice-a',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1-practice-a',
      expiration: new Date(T0 + SESSION_MS),
    });
  });

  it('assumes the role once per practice per container: 2 calls for 2 practices over 50 requests', async () => {
    const cache = credentials();
    const seen = new Map<string, Set<string>>();
    for (let request = 0; request < 50; request += 1) {
      const practiceId = request % 2 === 0 ? 'practice-a' : 'practice-b';
      // A provider per request, as a handler that asked for the practice's client anew would get.
      const identity = await resolve(cache.forPractice(practiceId));
      seen.set(practiceId, (seen.get(practiceId) ?? new Set()).add(identity.accessKeyId));
      clock += 1_000;
    }

    expect(assumeRoleCalls().map((input) => input.Tags)).toEqual([
      [{ Key: 'practiceId', Value: 'practice-a' }],
      [{ Key: 'practiceId', Value: 'practice-b' }],
    ]);
    expect(seen).toEqual(
      new Map([
        ['practice-a', new Set(['ASIA1practice-a'])],
        ['practice-b', new Set(['ASIA2practice-b'])],
      ]),
    );
  });

  it('renews credentials shortly before they expire, not before', async () => {
    const provider = credentials().forPractice('practice-a');
    const first = await resolve(provider);

    clock = T0 + SESSION_MS - 5 * 60_000 - 1;
    expect(await resolve(provider)).toBe(first);
    expect(assumeRoleCalls()).toHaveLength(1);

    clock = T0 + SESSION_MS - 5 * 60_000 + 1;
    const renewed = await resolve(provider);
    expect(assumeRoleCalls()).toHaveLength(2);
    expect(renewed.accessKeyId).toBe('ASIA2practice-a');
    expect(renewed.expiration).toEqual(new Date(clock + SESSION_MS));
    expect(await resolve(provider)).toBe(renewed);
  });

  it('honours a custom renewal margin and session length', async () => {
    const provider = credentials({ refreshBeforeExpiryMs: 60_000, sessionSeconds: 3600 }).forPractice(
      'practice-a',
    );
    await resolve(provider);
    expect(assumeRoleCalls()[0]?.DurationSeconds).toBe(3600);
    clock = T0 + 3_600_000 - 61_000;
    await resolve(provider);
    expect(assumeRoleCalls()).toHaveLength(1);
    clock = T0 + 3_600_000 - 59_000;
    await resolve(provider);
    expect(assumeRoleCalls()).toHaveLength(2);
  });

  it('lets concurrent callers share one AssumeRole', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolveGate) => {
      release = resolveGate;
    });
    stsMock.on(AssumeRoleCommand).callsFake(async (input: AssumeRoleCommand['input']) => {
      await gate;
      return assumeRoleAnswer(input);
    });
    const cache = credentials();

    const waiting = Array.from({ length: 20 }, () => resolve(cache.forPractice('practice-a')));
    const other = resolve(cache.forPractice('practice-b'));
    release?.();
    const identities = await Promise.all(waiting);

    expect(new Set(identities.map((identity) => identity.accessKeyId)).size).toBe(1);
    expect((await other).accessKeyId).toMatch(/practice-b$/);
    expect(assumeRoleCalls()).toHaveLength(2);
  });

  it('does not cache a failure: every waiter sees it, the next request tries again', async () => {
    stsMock.on(AssumeRoleCommand).rejectsOnce(new Error('Rate exceeded')).callsFake(assumeRoleAnswer);
    const cache = credentials();

    const attempts = await Promise.allSettled([
      resolve(cache.forPractice('practice-a')),
      resolve(cache.forPractice('practice-a')),
    ]);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['rejected', 'rejected']);
    expect(assumeRoleCalls()).toHaveLength(1);

    await expect(resolve(cache.forPractice('practice-a'))).resolves.toMatchObject({
      sessionToken: expect.stringMatching(/practice-a$/),
    });
    expect(assumeRoleCalls()).toHaveLength(2);
  });

  it('refuses an answer without credentials', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ $metadata: {} });
    await expect(resolve(credentials().forPractice('practice-a'))).rejects.toThrow(/no credentials/);
  });

  it.each([
    ['empty', ''],
    ['upper case', 'Practice-A'],
    ['a path', '../practice-a'],
    ['a partition separator', 'practice-a#records'],
    ['a wildcard', 'practice-*'],
    ['too short', 'ab'],
    ['too long', `p${'x'.repeat(63)}`],
    ['a space', 'practice a'],
  ])('refuses a practice id that is %s before calling STS', (_why, practiceId) => {
    expect(() => credentials().forPractice(practiceId)).toThrow(InvalidPracticeIdError);
    expect(() => new AmbientCredentials().forPractice(practiceId)).toThrow(InvalidPracticeIdError);
    expect(assumeRoleCalls()).toEqual([]);
  });

  it('does not echo the refused value', () => {
    expect(() => credentials().forPractice('9434765919 Jo Bloggs')).toThrow(/^Not a practice id\.$/);
  });

  it('keeps session names within STS’s 64 characters and character set, naming the practice', () => {
    const longest = `p${'x'.repeat(62)}`;
    const name = practiceSessionName(longest, 'deadbeef');
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^practice-px+-deadbeef$/);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(practiceSessionName('a81001-surgery', '01234567')).toBe('practice-a81001-surgery-01234567');
  });

  it('uses a fresh session name for every session', async () => {
    const cache = credentials();
    await resolve(cache.forPractice('practice-a'));
    clock = T0 + SESSION_MS;
    await resolve(cache.forPractice('practice-a'));
    const [first, second] = assumeRoleCalls().map((input) => input.RoleSessionName);
    expect(first).not.toBe(second);
  });

  it('keeps a bounded number of practices, dropping the least recently used', async () => {
    const cache = credentials({ maxPractices: 2 });
    await resolve(cache.forPractice('practice-a'));
    await resolve(cache.forPractice('practice-b'));
    await resolve(cache.forPractice('practice-a'));
    await resolve(cache.forPractice('practice-c'));
    expect(assumeRoleCalls()).toHaveLength(3);
    await resolve(cache.forPractice('practice-a'));
    expect(assumeRoleCalls()).toHaveLength(3);
    await resolve(cache.forPractice('practice-b'));
    expect(assumeRoleCalls()).toHaveLength(4);
  });

  it('refuses a role that is not an IAM role ARN, and sessions STS or the role would refuse', () => {
    expect(() => credentials({ roleArn: 'PracticeDataRole' })).toThrow(/roleArn/);
    expect(() => credentials({ roleArn: 'arn:aws:iam::123456789012:user/x' })).toThrow(/roleArn/);
    expect(() => credentials({ sessionSeconds: 600 })).toThrow(/sessionSeconds/);
    expect(() => credentials({ sessionSeconds: 7200 })).toThrow(/sessionSeconds/);
    expect(() => credentials({ refreshBeforeExpiryMs: SESSION_MS })).toThrow(/refreshBeforeExpiryMs/);
  });
});

describe('AmbientCredentials', () => {
  it('leaves the client on its default credentials, without STS', () => {
    expect(new AmbientCredentials().forPractice('practice-a')).toBeUndefined();
    expect(assumeRoleCalls()).toEqual([]);
  });
});
