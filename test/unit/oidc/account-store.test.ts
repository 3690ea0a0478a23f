import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountStore } from '../../../infra/local/oidc/account-store';
import { generateTotpSecret, totpCodeAt } from '../../../infra/local/oidc/totp';
import { currentTotpCode } from '../../../infra/local/oidc/totp-code';

const SUB = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_SUB = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const PASSWORD = 'correct horse battery';

let dataDir: string;
let clock: Date;
let store: AccountStore;
let secret: string;

const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'oidc-store-'));
  clock = new Date('2026-03-01T09:00:10Z');
  store = new AccountStore(dataDir, { now: () => clock });
  secret = generateTotpSecret();
  await store.upsertAccount({
    sub: SUB,
    email: 'Dr.Foster@Example.NHS.uk',
    password: PASSWORD,
    totpSecret: secret,
    name: 'Dr Foster',
  });
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const codeNow = () => totpCodeAt(secret, clock.getTime() / 1000);

/** A six-digit code that is not valid for `forSecret` anywhere in the ±1 step window. */
async function wrongCode(forSecret = secret): Promise<string> {
  const valid = await Promise.all([-30, 0, 30].map((o) => totpCodeAt(forSecret, clock.getTime() / 1000 + o)));
  return ['111111', '222222', '333333', '444444'].find((code) => !valid.includes(code)) as string;
}

describe('account store', () => {
  it('persists to identity/accounts.json, 0600 in a 0700 directory, without the password', async () => {
    expect((await stat(join(dataDir, 'identity'))).mode & 0o777).toBe(0o700);
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    const raw = await readFile(store.file, 'utf8');
    expect(raw).not.toContain(PASSWORD);
    expect(raw).toContain('scrypt$');
    // A second store over the same directory (another process) sees the same account.
    expect((await new AccountStore(dataDir).findBySub(SUB))?.email).toBe('dr.foster@example.nhs.uk');
  });

  it('treats emails case-insensitively and keeps them unique', async () => {
    expect((await store.findByEmail(' DR.FOSTER@example.nhs.uk '))?.sub).toBe(SUB);
    await expect(
      store.upsertAccount({
        sub: OTHER_SUB,
        email: 'dr.foster@EXAMPLE.nhs.uk',
        password: PASSWORD,
        name: 'Someone else',
      }),
    ).rejects.toThrow(/already belongs/);
  });

  it('never hands out the hash or the secret', async () => {
    const account = await store.findBySub(SUB);
    expect(account).toMatchObject({ sub: SUB, name: 'Dr Foster', totpEnrolled: true });
    expect(account).not.toHaveProperty('practiceId');
    expect(JSON.stringify(account)).not.toContain('scrypt');
    expect(JSON.stringify(account)).not.toContain(secret);
  });

  it('updates an account in place on upsert, keeping its TOTP unless told otherwise', async () => {
    await store.upsertAccount({
      sub: SUB,
      email: 'dr.foster@example.nhs.uk',
      password: 'a brand new password',
      name: 'Dr Foster',
    });
    expect(await store.list()).toHaveLength(1);
    expect(await store.findBySub(SUB)).toMatchObject({
      totpEnrolled: true,
    });
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', PASSWORD)).outcome).toBe(
      'incorrect',
    );
    expect(
      (await store.authenticatePassword('dr.foster@example.nhs.uk', 'a brand new password')).outcome,
    ).toBe('ok');
    await store.upsertAccount({
      sub: SUB,
      email: 'dr.foster@example.nhs.uk',
      password: PASSWORD,
      totpSecret: null,
      name: 'Dr Foster',
    });
    expect((await store.findBySub(SUB))?.totpEnrolled).toBe(false);
  });

  it('rejects bad input', async () => {
    const base = {
      email: 'x@example.nhs.uk',
      password: PASSWORD,
      name: 'X',
    };
    expect(() => store.upsertAccount({ ...base, sub: 'not-a-uuid' })).toThrow(/UUID/);
    expect(() => store.upsertAccount({ ...base, email: 'nope' })).toThrow(/email/);
    expect(() => store.upsertAccount({ ...base, totpSecret: 'SHORT' })).toThrow(/totpSecret/);
    await expect(store.upsertAccount({ ...base, password: 'short' })).rejects.toThrow(/password/);
  });

  it('does not tell unknown emails from wrong passwords', async () => {
    expect(await store.authenticatePassword('nobody@example.nhs.uk', PASSWORD)).toEqual({
      outcome: 'incorrect',
    });
    expect(await store.authenticatePassword('dr.foster@example.nhs.uk', 'wrong password')).toEqual({
      outcome: 'incorrect',
    });
  });

  it('locks the account after 5 failures of either factor, for 15 minutes', async () => {
    const email = 'dr.foster@example.nhs.uk';
    expect((await store.authenticatePassword(email, 'wrong 1')).outcome).toBe('incorrect');
    expect((await store.authenticatePassword(email, 'wrong 2')).outcome).toBe('incorrect');
    // A right password does not reset the count: it only buys the chance to enter a code.
    expect((await store.authenticatePassword(email, PASSWORD)).outcome).toBe('ok');
    expect((await store.verifyTotp(SUB, await wrongCode())).outcome).toBe('incorrect');
    expect((await store.verifyTotp(SUB, await wrongCode())).outcome).toBe('incorrect');
    const fifth = await store.verifyTotp(SUB, await wrongCode());
    expect(fifth).toEqual({ outcome: 'locked', lockedUntil: new Date(clock.getTime() + 15 * 60 * 1000) });
    expect((await store.findBySub(SUB))?.lockedUntil).toBe(
      new Date(clock.getTime() + 15 * 60 * 1000).toISOString(),
    );

    // Locked: even the right password and the right code are refused.
    expect((await store.authenticatePassword(email, PASSWORD)).outcome).toBe('locked');
    expect((await store.verifyTotp(SUB, await codeNow())).outcome).toBe('locked');

    advance(15 * 60);
    expect((await store.authenticatePassword(email, PASSWORD)).outcome).toBe('ok');
    expect((await store.verifyTotp(SUB, await codeNow())).outcome).toBe('ok');
    expect(await store.findBySub(SUB)).toMatchObject({ failedAttempts: 0 });
    expect((await store.findBySub(SUB))?.lockedUntil).toBeUndefined();
  });

  it('resets the count after a complete sign-in', async () => {
    for (let i = 0; i < 4; i += 1) await store.authenticatePassword('dr.foster@example.nhs.uk', 'wrong');
    expect((await store.findBySub(SUB))?.failedAttempts).toBe(4);
    expect((await store.verifyTotp(SUB, await codeNow())).outcome).toBe('ok');
    expect((await store.findBySub(SUB))?.failedAttempts).toBe(0);
  });

  it('accepts each code once', async () => {
    const code = await codeNow();
    expect((await store.verifyTotp(SUB, code)).outcome).toBe('ok');
    expect((await store.verifyTotp(SUB, code)).outcome).toBe('replayed');
    expect((await store.findBySub(SUB))?.failedAttempts).toBe(0);
    advance(30);
    expect((await store.verifyTotp(SUB, await codeNow())).outcome).toBe('ok');
  });

  it('refuses suspended accounts after a right password, and says so only then', async () => {
    await store.setStatus(SUB, 'suspended');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', 'wrong')).outcome).toBe('incorrect');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', PASSWORD)).outcome).toBe(
      'suspended',
    );
    await store.setStatus(SUB, 'active');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', PASSWORD)).outcome).toBe('ok');
  });

  it('enrols a new authenticator only with a right code for it', async () => {
    await store.resetTotp(SUB);
    expect((await store.verifyTotp(SUB, await codeNow())).outcome).toBe('not-enrolled');
    const fresh = generateTotpSecret();
    expect((await store.verifyTotp(SUB, await wrongCode(fresh), { enrolSecret: fresh })).outcome).toBe(
      'incorrect',
    );
    expect(await store.totpSecretFor('dr.foster@example.nhs.uk')).toBeUndefined();
    const code = await totpCodeAt(fresh, clock.getTime() / 1000);
    const enrolled = await store.verifyTotp(SUB, code, { enrolSecret: fresh });
    expect(enrolled.outcome).toBe('ok');
    expect(await store.totpSecretFor('DR.FOSTER@example.nhs.uk')).toBe(fresh);
    // A second enrolment (say, a stale page in another tab) cannot replace it.
    const intruder = generateTotpSecret();
    const intruderCode = await totpCodeAt(intruder, clock.getTime() / 1000);
    expect(await store.verifyTotp(SUB, intruderCode, { enrolSecret: intruder })).toEqual({
      outcome: 'already-enrolled',
    });
    expect(await store.totpSecretFor('dr.foster@example.nhs.uk')).toBe(fresh);
  });

  it('gives the current code for `npm run totp`', async () => {
    const { code, secondsRemaining } = await currentTotpCode(
      dataDir,
      'dr.foster@example.nhs.uk',
      clock.getTime() / 1000,
    );
    expect(code).toBe(await codeNow());
    expect(secondsRemaining).toBe(20);
    await expect(currentTotpCode(dataDir, 'nobody@example.nhs.uk')).rejects.toThrow(/no authenticator/);
  });

  it('creates a signed-up account with a new UUID and no authenticator, once per email', async () => {
    const created = await store.createAccount({
      email: ' New.Starter@NHS.net ',
      name: ' New Starter ',
      password: 'Str0ng-enough-pw',
    });
    if (created.outcome !== 'created') throw new Error('not created');
    expect(created.account).toMatchObject({
      email: 'new.starter@nhs.net',
      name: 'New Starter',
      status: 'active',
      totpEnrolled: false,
      failedAttempts: 0,
    });
    expect(created.account.sub).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(created.account.sub).not.toBe(SUB);
    expect((await store.authenticatePassword('new.starter@nhs.net', 'Str0ng-enough-pw')).outcome).toBe('ok');

    // The same address in another case is the same account; nothing is overwritten.
    expect(
      await store.createAccount({
        email: 'NEW.STARTER@nhs.net',
        name: 'Impostor',
        password: 'Other-pw-12345',
      }),
    ).toEqual({ outcome: 'exists' });
    expect(
      await store.createAccount({ email: 'dr.foster@example.nhs.uk', name: 'X', password: 'Other-pw-12345' }),
    ).toEqual({
      outcome: 'exists',
    });
    expect(await store.list()).toHaveLength(2);
    expect((await store.findByEmail('new.starter@nhs.net'))?.name).toBe('New Starter');
    expect(() => store.createAccount({ email: 'nope', name: 'X', password: 'Other-pw-12345' })).toThrow(
      /email/,
    );
    expect(() => store.createAccount({ email: 'x@nhs.net', name: ' ', password: 'Other-pw-12345' })).toThrow(
      /name/,
    );
  });

  it('reads an accounts.json written with practiceId and role, and drops them on the next write', async () => {
    const legacy = JSON.parse(await readFile(store.file, 'utf8')) as {
      accounts: Record<string, unknown>[];
    };
    legacy.accounts = legacy.accounts.map((account) => ({
      ...account,
      practiceId: 'A81001',
      role: 'clinician',
    }));
    await writeFile(store.file, JSON.stringify(legacy));
    const account = await store.findBySub(SUB);
    expect(account).toMatchObject({ sub: SUB, email: 'dr.foster@example.nhs.uk', totpEnrolled: true });
    expect(account).not.toHaveProperty('practiceId');
    await store.unlock(SUB);
    const raw = await readFile(store.file, 'utf8');
    expect(raw).not.toContain('practiceId');
    expect(raw).not.toContain('"role"');
  });
});

describe('password reset ("Forgot your password?")', () => {
  const NEW_PASSWORD = 'a brand new passphrase';

  it('sets the new password for the right code, once; the old password stops working', async () => {
    const started = await store.startPasswordReset('dr.foster@example.nhs.uk');
    expect(started?.code).toMatch(/^\d{6}$/);
    expect(JSON.stringify(await readFile(store.file, 'utf8'))).not.toContain(started?.code ?? 'none');
    expect(
      await store.completePasswordReset('DR.FOSTER@example.nhs.uk', started?.code ?? '', NEW_PASSWORD),
    ).toBe('ok');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', NEW_PASSWORD)).outcome).toBe('ok');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', PASSWORD)).outcome).toBe(
      'incorrect',
    );
    // Used up: the same code does nothing a second time.
    expect(await store.completePasswordReset('dr.foster@example.nhs.uk', started?.code ?? '', PASSWORD)).toBe(
      'incorrect',
    );
  });

  it('voids the code after five wrong tries, and after 15 minutes', async () => {
    const started = await store.startPasswordReset('dr.foster@example.nhs.uk');
    const wrong = started?.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect(await store.completePasswordReset('dr.foster@example.nhs.uk', wrong, NEW_PASSWORD)).toBe(
        'incorrect',
      );
    }
    expect(
      await store.completePasswordReset('dr.foster@example.nhs.uk', started?.code ?? '', NEW_PASSWORD),
    ).toBe('incorrect');
    const again = await store.startPasswordReset('dr.foster@example.nhs.uk');
    advance(15 * 60 + 1);
    expect(
      await store.completePasswordReset('dr.foster@example.nhs.uk', again?.code ?? '', NEW_PASSWORD),
    ).toBe('incorrect');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', PASSWORD)).outcome).toBe('ok');
  });

  it('gives no code for an unknown address or a suspended account, and answers a guess as "incorrect"', async () => {
    expect(await store.startPasswordReset('nobody@example.nhs.uk')).toBeUndefined();
    await store.setStatus(SUB, 'suspended');
    expect(await store.startPasswordReset('dr.foster@example.nhs.uk')).toBeUndefined();
    expect(await store.completePasswordReset('nobody@example.nhs.uk', '123456', NEW_PASSWORD)).toBe(
      'incorrect',
    );
  });

  it('lifts a lockout: whoever has the code has the mailbox', async () => {
    for (let i = 0; i < 5; i++) await store.authenticatePassword('dr.foster@example.nhs.uk', 'wrong');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', PASSWORD)).outcome).toBe('locked');
    const started = await store.startPasswordReset('dr.foster@example.nhs.uk');
    expect(
      await store.completePasswordReset('dr.foster@example.nhs.uk', started?.code ?? '', NEW_PASSWORD),
    ).toBe('ok');
    expect((await store.authenticatePassword('dr.foster@example.nhs.uk', NEW_PASSWORD)).outcome).toBe('ok');
  });
});
