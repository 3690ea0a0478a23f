import { generate, generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP as authenticator apps do it (RFC 6238): SHA-1, 6 digits, 30-second steps, base32 secrets of 20 bytes.
 * A code is accepted for the current step and one step either side (±30 s of clock drift), and each step
 * can be used once per account (RFC 6238 §5.2: the verifier must not accept the same code twice).
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_WINDOW_STEPS = 1;
export const TOTP_ISSUER = 'Clinic Connect (local)';

const CODE_PATTERN = /^\d{6}$/;

export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: email, secret });
}

export function timeStepAt(epochSeconds: number): number {
  return Math.floor(epochSeconds / TOTP_PERIOD_SECONDS);
}

/** The code an authenticator app shows at `epochSeconds` (default: now). */
export function totpCodeAt(secret: string, epochSeconds: number = Date.now() / 1000): Promise<string> {
  return generate({ secret, epoch: Math.floor(epochSeconds) });
}

/** Strips the spaces and dashes people type ("123 456"). */
export function normaliseTotpCode(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export type TotpCheck =
  | { valid: true; timeStep: number }
  | { valid: false; reason: 'malformed' | 'incorrect' }
  /** The code is right but its time step was already used for this account. Not a guess: not counted. */
  | { valid: false; reason: 'replayed'; timeStep: number };

export async function checkTotpCode(
  secret: string,
  input: string,
  {
    epochSeconds = Date.now() / 1000,
    lastUsedTimeStep,
  }: { epochSeconds?: number; lastUsedTimeStep?: number } = {},
): Promise<TotpCheck> {
  const token = normaliseTotpCode(input);
  if (!CODE_PATTERN.test(token)) return { valid: false, reason: 'malformed' };
  let result: Awaited<ReturnType<typeof verify>>;
  try {
    result = await verify({
      secret,
      token,
      epoch: Math.floor(epochSeconds),
      epochTolerance: TOTP_WINDOW_STEPS * TOTP_PERIOD_SECONDS,
    });
  } catch {
    return { valid: false, reason: 'incorrect' };
  }
  if (!result.valid || !('timeStep' in result)) return { valid: false, reason: 'incorrect' };
  if (lastUsedTimeStep !== undefined && result.timeStep <= lastUsedTimeStep) {
    return { valid: false, reason: 'replayed', timeStep: result.timeStep };
  }
  return { valid: true, timeStep: result.timeStep };
}
