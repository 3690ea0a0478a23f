import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import {
  afterFailure,
  afterSuccess,
  DEFAULT_LOCKOUT_POLICY,
  type LockoutPolicy,
  lockedUntil,
} from './guessing-limits';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password';
import { identityDir, readJsonFile, writePrivateFile } from './private-files';
import { checkTotpCode } from './totp';

/**
 * The local identity provider's user pool: one JSON file, `${dataDir}/identity/accounts.json` (0600, in a
 * 0700 directory). Passwords are scrypt hashes; TOTP secrets are stored in clear because this is a local
 * development stand-in for Cognito, never a production store.
 *
 * Every operation re-reads the file (it is small), so tools in other processes (`npm run totp`, seeding)
 * see and make current changes; writes within this process are serialised and atomic.
 */
export const ACCOUNT_STATUSES = ['active', 'suspended'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

// Practice and role are not kept here: the app's staff directory is their only source, read at every token
// issue. Files written before that carried `practiceId` and `role`; parsing drops them and the next write
// leaves them out.
/** A password reset in progress: the code's hash (never the code), when it lapses, and wrong tries so far. */
const PasswordReset = z.object({
  codeHash: z.string(),
  expiresAt: z.string(),
  attempts: z.number().int().nonnegative(),
});

const StoredAccount = z.object({
  sub: z.uuid(),
  email: z.string(),
  name: z.string(),
  status: z.enum(ACCOUNT_STATUSES),
  passwordHash: z.string(),
  totpSecret: z.string().optional(),
  totpLastTimeStep: z.number().int().optional(),
  failedAttempts: z.number().int().nonnegative(),
  lockedUntil: z.string().optional(),
  passwordReset: PasswordReset.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type StoredAccount = z.infer<typeof StoredAccount>;

/** How long a password reset code works, and how many wrong tries it survives (Cognito: one hour, 5 tries). */
export const PASSWORD_RESET = { validityMinutes: 15, maxAttempts: 5 } as const;

function resetCodeHash(sub: string, code: string): string {
  return createHash('sha256').update(`${sub}:${code}`).digest('hex');
}

const AccountsFile = z.object({ version: z.literal(1), accounts: z.array(StoredAccount) });
type AccountsFile = z.infer<typeof AccountsFile>;

/** An account as the rest of the system sees it: no password hash, no TOTP secret. */
export interface Account {
  sub: string;
  email: string;
  name: string;
  status: AccountStatus;
  totpEnrolled: boolean;
  failedAttempts: number;
  /** ISO timestamp while the account is locked out. */
  lockedUntil?: string;
  createdAt: string;
  updatedAt: string;
}

export interface UpsertAccountInput {
  /** A UUID; generated for a new account when absent. */
  sub?: string;
  email: string;
  /** Hashed with scrypt before it is stored. */
  password: string;
  /**
   * Base32 TOTP secret. `undefined` keeps the current one (a new account then enrols at first sign-in);
   * `null` removes it, so the next sign-in enrols a new authenticator.
   */
  totpSecret?: string | null;
  name: string;
  status?: AccountStatus;
}

/** Self-service sign-up: a new account with a new UUID, no authenticator yet (enrolled next). */
export interface CreateAccountInput {
  email: string;
  name: string;
  password: string;
}

export type CreateAccountOutcome = { outcome: 'created'; account: Account } | { outcome: 'exists' };

export type PasswordOutcome =
  | { outcome: 'ok'; account: Account }
  /** Unknown email or wrong password: deliberately indistinguishable. */
  | { outcome: 'incorrect' }
  | { outcome: 'locked'; lockedUntil: Date }
  | { outcome: 'suspended' };

export type TotpOutcome =
  | { outcome: 'ok'; account: Account }
  | { outcome: 'incorrect' }
  | { outcome: 'replayed' }
  | { outcome: 'locked'; lockedUntil: Date }
  | { outcome: 'not-enrolled' }
  | { outcome: 'already-enrolled' };

export interface AccountStoreOptions {
  lockout?: LockoutPolicy;
  /** Injectable clock for tests. */
  now?: () => Date;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Base32 (RFC 4648) of at least 16 bytes, the minimum otplib (and RFC 4226) accepts. */
function isUsableTotpSecret(secret: string): boolean {
  return /^[A-Z2-7]+=*$/.test(secret) && Math.floor((secret.replace(/=+$/, '').length * 5) / 8) >= 16;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toAccount(stored: StoredAccount): Account {
  const { passwordHash: _hash, totpSecret, totpLastTimeStep: _step, passwordReset: _reset, ...rest } = stored;
  return { ...rest, totpEnrolled: totpSecret !== undefined };
}

export class AccountStore {
  readonly file: string;
  readonly #lockout: LockoutPolicy;
  readonly #now: () => Date;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, options: AccountStoreOptions = {}) {
    this.file = join(identityDir(dataDir), 'accounts.json');
    this.#lockout = options.lockout ?? DEFAULT_LOCKOUT_POLICY;
    this.#now = options.now ?? (() => new Date());
  }

  async #read(): Promise<AccountsFile> {
    const raw = await readJsonFile(this.file);
    if (raw === undefined) return { version: 1, accounts: [] };
    const parsed = AccountsFile.safeParse(raw);
    if (!parsed.success)
      throw new Error(`${this.file} is not a valid account store: ${parsed.error.message}`);
    return parsed.data;
  }

  /** Runs read-modify-write steps one at a time and writes the file when `change` reports a change. */
  #mutate<T>(change: (file: AccountsFile) => Promise<{ result: T; changed: boolean }>): Promise<T> {
    const run = this.#queue.then(async () => {
      const file = await this.#read();
      const { result, changed } = await change(file);
      if (changed) await writePrivateFile(this.file, `${JSON.stringify(file, null, 2)}\n`);
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #find(predicate: (account: StoredAccount) => boolean): Promise<StoredAccount | undefined> {
    await this.#queue;
    return (await this.#read()).accounts.find(predicate);
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    const wanted = normaliseEmail(email);
    const found = await this.#find((account) => account.email === wanted);
    return found && toAccount(found);
  }

  async findBySub(sub: string): Promise<Account | undefined> {
    const found = await this.#find((account) => account.sub === sub);
    return found && toAccount(found);
  }

  async list(): Promise<Account[]> {
    await this.#queue;
    return (await this.#read()).accounts.map(toAccount);
  }

  /** Local development only: the TOTP secret of an account (for `npm run totp` and the sign-in client). */
  async totpSecretFor(email: string): Promise<string | undefined> {
    const wanted = normaliseEmail(email);
    return (await this.#find((account) => account.email === wanted))?.totpSecret;
  }

  upsertAccount(input: UpsertAccountInput): Promise<Account> {
    const email = normaliseEmail(input.email);
    if (!EMAIL_PATTERN.test(email)) throw new TypeError(`not an email address: ${input.email}`);
    const sub = input.sub ?? randomUUID();
    if (!z.uuid().safeParse(sub).success) throw new TypeError(`sub must be a UUID: ${sub}`);
    if (!input.name?.trim()) throw new TypeError('name is required');
    if (input.totpSecret && !isUsableTotpSecret(input.totpSecret)) {
      throw new TypeError('totpSecret must be base32 and encode at least 16 bytes');
    }
    return this.#mutate(async (file) => {
      const clash = file.accounts.find((account) => account.email === email && account.sub !== sub);
      if (clash) throw new Error(`email ${email} already belongs to account ${clash.sub}`);
      const passwordHash = await hashPassword(input.password);
      const now = this.#now().toISOString();
      const existing = file.accounts.find((account) => account.sub === sub);
      const next: StoredAccount = {
        ...(existing ?? { failedAttempts: 0, createdAt: now, status: 'active' as const }),
        sub,
        email,
        name: input.name.trim(),
        passwordHash,
        updatedAt: now,
      };
      if (input.status) next.status = input.status;
      if (input.totpSecret === null) {
        delete next.totpSecret;
        delete next.totpLastTimeStep;
      } else if (input.totpSecret !== undefined && input.totpSecret !== existing?.totpSecret) {
        next.totpSecret = input.totpSecret;
        delete next.totpLastTimeStep;
      }
      file.accounts = existing
        ? file.accounts.map((account) => (account.sub === sub ? next : account))
        : [...file.accounts, next];
      return { result: toAccount(next), changed: true };
    });
  }

  /**
   * Creates an account for a new email address, atomically: `exists` when the address is taken (in any case).
   * The caller checks the password policy and the email allow-list first.
   */
  createAccount(input: CreateAccountInput): Promise<CreateAccountOutcome> {
    const email = normaliseEmail(input.email);
    if (!EMAIL_PATTERN.test(email)) throw new TypeError(`not an email address: ${input.email}`);
    const name = input.name.trim();
    if (!name) throw new TypeError('name is required');
    return this.#mutate(async (file): Promise<{ result: CreateAccountOutcome; changed: boolean }> => {
      if (file.accounts.some((account) => account.email === email)) {
        return { result: { outcome: 'exists' }, changed: false };
      }
      const passwordHash = await hashPassword(input.password);
      const now = this.#now().toISOString();
      const account: StoredAccount = {
        sub: randomUUID(),
        email,
        name,
        status: 'active',
        passwordHash,
        failedAttempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      file.accounts.push(account);
      return { result: { outcome: 'created', account: toAccount(account) }, changed: true };
    });
  }

  #update(sub: string, apply: (account: StoredAccount) => void): Promise<Account> {
    return this.#mutate(async (file) => {
      const account = file.accounts.find((candidate) => candidate.sub === sub);
      if (!account) throw new Error(`no account ${sub}`);
      apply(account);
      account.updatedAt = this.#now().toISOString();
      return { result: toAccount(account), changed: true };
    });
  }

  setStatus(sub: string, status: AccountStatus): Promise<Account> {
    return this.#update(sub, (account) => {
      account.status = status;
    });
  }

  async setPassword(sub: string, password: string): Promise<Account> {
    const passwordHash = await hashPassword(password);
    return this.#update(sub, (account) => {
      account.passwordHash = passwordHash;
    });
  }

  /** Removes the authenticator: the next sign-in goes through enrolment again. */
  resetTotp(sub: string): Promise<Account> {
    return this.#update(sub, (account) => {
      delete account.totpSecret;
      delete account.totpLastTimeStep;
    });
  }

  /**
   * "Forgot your password?": a new 6-digit code for the account with this email, replacing any earlier one,
   * for the caller to send to that address. Undefined when there is no active account: the caller says the
   * same either way, so that the form cannot tell who has an account.
   */
  startPasswordReset(email: string): Promise<{ account: Account; code: string } | undefined> {
    const wanted = normaliseEmail(email);
    return this.#mutate(async (file) => {
      const account = file.accounts.find((candidate) => candidate.email === wanted);
      if (account?.status !== 'active') return { result: undefined, changed: false };
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const now = this.#now();
      account.passwordReset = {
        codeHash: resetCodeHash(account.sub, code),
        expiresAt: new Date(now.getTime() + PASSWORD_RESET.validityMinutes * 60_000).toISOString(),
        attempts: 0,
      };
      account.updatedAt = now.toISOString();
      return { result: { account: toAccount(account), code }, changed: true };
    });
  }

  /**
   * Sets a new password if `code` is the account's current reset code. A wrong code uses up one of its tries
   * (after the last it is void); the right one is used up, and so is any lockout: whoever has the code has
   * the mailbox. Unknown addresses, lapsed and wrong codes are all `incorrect`.
   */
  completePasswordReset(email: string, code: string, password: string): Promise<'ok' | 'incorrect'> {
    const wanted = normaliseEmail(email);
    return this.#mutate(async (file): Promise<{ result: 'ok' | 'incorrect'; changed: boolean }> => {
      const account = file.accounts.find((candidate) => candidate.email === wanted);
      const reset = account?.passwordReset;
      const now = this.#now();
      if (!account || !reset || Date.parse(reset.expiresAt) <= now.getTime() || account.status !== 'active') {
        return { result: 'incorrect', changed: false };
      }
      const given = Buffer.from(resetCodeHash(account.sub, code));
      const expected = Buffer.from(reset.codeHash);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        reset.attempts += 1;
        if (reset.attempts >= PASSWORD_RESET.maxAttempts) delete account.passwordReset;
        return { result: 'incorrect', changed: true };
      }
      account.passwordHash = await hashPassword(password);
      delete account.passwordReset;
      account.failedAttempts = 0;
      delete account.lockedUntil;
      account.updatedAt = now.toISOString();
      return { result: 'ok', changed: true };
    });
  }

  unlock(sub: string): Promise<Account> {
    return this.#update(sub, (account) => {
      account.failedAttempts = 0;
      delete account.lockedUntil;
    });
  }

  deleteAccount(sub: string): Promise<boolean> {
    return this.#mutate(async (file) => {
      const before = file.accounts.length;
      file.accounts = file.accounts.filter((account) => account.sub !== sub);
      return { result: before !== file.accounts.length, changed: before !== file.accounts.length };
    });
  }

  #fail(account: StoredAccount, now: Date): Date | undefined {
    const next = afterFailure(account, now, this.#lockout);
    account.failedAttempts = next.failedAttempts;
    if (next.lockedUntil) account.lockedUntil = next.lockedUntil;
    else delete account.lockedUntil;
    return lockedUntil(next, now);
  }

  /** First factor. A wrong password counts towards the lockout; a right one does not reset it. */
  authenticatePassword(email: string, password: string): Promise<PasswordOutcome> {
    const wanted = normaliseEmail(email);
    return this.#mutate(async (file): Promise<{ result: PasswordOutcome; changed: boolean }> => {
      const account = file.accounts.find((candidate) => candidate.email === wanted);
      if (!account) {
        await burnPasswordCheck(password);
        return { result: { outcome: 'incorrect' }, changed: false };
      }
      const now = this.#now();
      const locked = lockedUntil(account, now);
      if (locked) {
        await burnPasswordCheck(password);
        return { result: { outcome: 'locked', lockedUntil: locked }, changed: false };
      }
      if (!(await verifyPassword(password, account.passwordHash))) {
        const nowLocked = this.#fail(account, now);
        return {
          result: nowLocked ? { outcome: 'locked', lockedUntil: nowLocked } : { outcome: 'incorrect' },
          changed: true,
        };
      }
      if (account.status !== 'active') return { result: { outcome: 'suspended' }, changed: false };
      return { result: { outcome: 'ok', account: toAccount(account) }, changed: false };
    });
  }

  /**
   * Second factor. A wrong code counts towards the lockout; a right one completes the sign-in and resets
   * the counter. With `enrolSecret`, the code confirms a new authenticator and the secret is saved.
   */
  verifyTotp(
    sub: string,
    code: string,
    { enrolSecret }: { enrolSecret?: string } = {},
  ): Promise<TotpOutcome> {
    return this.#mutate(async (file): Promise<{ result: TotpOutcome; changed: boolean }> => {
      const account = file.accounts.find((candidate) => candidate.sub === sub);
      if (!account) return { result: { outcome: 'incorrect' }, changed: false };
      const now = this.#now();
      const locked = lockedUntil(account, now);
      if (locked) return { result: { outcome: 'locked', lockedUntil: locked }, changed: false };
      // Enrolment never replaces an authenticator (a stale enrolment page must not hijack the account).
      if (enrolSecret !== undefined && account.totpSecret !== undefined) {
        return { result: { outcome: 'already-enrolled' }, changed: false };
      }
      const secret = enrolSecret ?? account.totpSecret;
      if (!secret) return { result: { outcome: 'not-enrolled' }, changed: false };
      const check = await checkTotpCode(secret, code, {
        epochSeconds: now.getTime() / 1000,
        ...(enrolSecret === undefined && account.totpLastTimeStep !== undefined
          ? { lastUsedTimeStep: account.totpLastTimeStep }
          : {}),
      });
      if (!check.valid) {
        if (check.reason === 'replayed') return { result: { outcome: 'replayed' }, changed: false };
        const nowLocked = this.#fail(account, now);
        return {
          result: nowLocked ? { outcome: 'locked', lockedUntil: nowLocked } : { outcome: 'incorrect' },
          changed: true,
        };
      }
      if (enrolSecret !== undefined) account.totpSecret = enrolSecret;
      account.totpLastTimeStep = check.timeStep;
      Object.assign(account, afterSuccess());
      delete account.lockedUntil;
      account.updatedAt = now.toISOString();
      return { result: { outcome: 'ok', account: toAccount(account) }, changed: true };
    });
  }
}
