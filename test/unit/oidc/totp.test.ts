import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import {
  checkTotpCode,
  generateTotpSecret,
  timeStepAt,
  totpCodeAt,
  totpUri,
} from '../../../infra/local/oidc/totp';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
// 2026-01-01T00:00:10Z: 10 s into a time step.
const NOW = Date.UTC(2026, 0, 1, 0, 0, 10) / 1000;

describe('TOTP', () => {
  it('generates base32 secrets of 20 bytes', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(generateTotpSecret()).not.toEqual(secret);
  });

  it('produces the same codes as a standard authenticator (otplib defaults: SHA-1, 6 digits, 30 s)', async () => {
    expect(await totpCodeAt(SECRET, NOW)).toEqual(await generate({ secret: SECRET, epoch: NOW }));
    expect(await totpCodeAt(SECRET, NOW)).toMatch(/^\d{6}$/);
  });

  it('accepts the current code and the codes one step either side', async () => {
    for (const offset of [-30, 0, 30]) {
      const code = await totpCodeAt(SECRET, NOW + offset);
      const result = await checkTotpCode(SECRET, code, { epochSeconds: NOW });
      expect(result).toEqual({ valid: true, timeStep: timeStepAt(NOW + offset) });
    }
  });

  it('rejects codes two or more steps away', async () => {
    for (const offset of [-90, -60, 60, 90]) {
      const code = await totpCodeAt(SECRET, NOW + offset);
      const current = await Promise.all([-30, 0, 30].map((o) => totpCodeAt(SECRET, NOW + o)));
      if (current.includes(code)) continue; // a one-in-a-million collision, not a window bug
      expect(await checkTotpCode(SECRET, code, { epochSeconds: NOW })).toEqual({
        valid: false,
        reason: 'incorrect',
      });
    }
  });

  it('rejects a code whose step was already used (replay), without calling it a wrong guess', async () => {
    const code = await totpCodeAt(SECRET, NOW);
    const first = await checkTotpCode(SECRET, code, { epochSeconds: NOW });
    expect(first.valid).toBe(true);
    const step = first.valid ? first.timeStep : -1;
    expect(await checkTotpCode(SECRET, code, { epochSeconds: NOW, lastUsedTimeStep: step })).toEqual({
      valid: false,
      reason: 'replayed',
      timeStep: step,
    });
    const next = await totpCodeAt(SECRET, NOW + 30);
    expect(await checkTotpCode(SECRET, next, { epochSeconds: NOW, lastUsedTimeStep: step })).toEqual({
      valid: true,
      timeStep: step + 1,
    });
  });

  it('treats anything but six digits as malformed, ignoring spaces people type', async () => {
    for (const input of ['', '12345', '1234567', 'abcdef', '12345a']) {
      expect(await checkTotpCode(SECRET, input, { epochSeconds: NOW })).toEqual({
        valid: false,
        reason: 'malformed',
      });
    }
    const code = await totpCodeAt(SECRET, NOW);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    expect((await checkTotpCode(SECRET, spaced, { epochSeconds: NOW })).valid).toBe(true);
  });

  it('builds an otpauth URI for the QR code', () => {
    const uri = new URL(totpUri(SECRET, 'dr.who@nhs.net'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(SECRET);
    expect(decodeURIComponent(uri.pathname)).toContain('dr.who@nhs.net');
  });
});
