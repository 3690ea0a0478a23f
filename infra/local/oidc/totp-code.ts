import { AccountStore } from './account-store';
import { TOTP_PERIOD_SECONDS, totpCodeAt } from './totp';

/**
 * Local development helper behind `npm run totp -- <email>`: the code the account's authenticator shows
 * right now, read from `${dataDir}/identity/accounts.json`.
 */
export async function currentTotpCode(
  dataDir: string,
  email: string,
  epochSeconds: number = Date.now() / 1000,
): Promise<{ code: string; secondsRemaining: number }> {
  const secret = await new AccountStore(dataDir).totpSecretFor(email);
  if (!secret) {
    throw new Error(
      `no authenticator enrolled for ${email} in ${dataDir} (unknown email, or not enrolled yet)`,
    );
  }
  return {
    code: await totpCodeAt(secret, epochSeconds),
    secondsRemaining: Math.ceil(TOTP_PERIOD_SECONDS - (epochSeconds % TOTP_PERIOD_SECONDS)),
  };
}

/** Prints `123456  (valid for another 17 s)` to stdout; returns the code. */
export async function printTotpCode(dataDir: string, email: string): Promise<string> {
  const { code, secondsRemaining } = await currentTotpCode(dataDir, email);
  console.log(`${code}  (valid for another ${secondsRemaining} s)`);
  return code;
}
