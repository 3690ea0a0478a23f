import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../infra/local/oidc/password';

describe('password hashing (scrypt)', () => {
  it('stores parameters, a random salt and the key, never the password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct horse battery');
  });

  it('uses a fresh salt every time', async () => {
    const [first, second] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(first).not.toEqual(second);
    expect(await verifyPassword('same password', first)).toBe(true);
    expect(await verifyPassword('same password', second)).toBe(true);
  });

  it('accepts the right password and rejects others', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await verifyPassword('correct horse battery ', hash)).toBe(false);
  });

  it('verifies hashes made with other (recorded) parameters', async () => {
    const hash = await hashPassword('lower cost hash', { logN: 12, r: 8, p: 1 });
    expect(hash.startsWith('scrypt$12$8$1$')).toBe(true);
    expect(await verifyPassword('lower cost hash', hash)).toBe(true);
  });

  it('never matches a malformed or tampered hash', async () => {
    const hash = await hashPassword('correct horse battery');
    const parts = hash.split('$');
    expect(await verifyPassword('correct horse battery', 'plain-text')).toBe(false);
    expect(await verifyPassword('correct horse battery', [...parts.slice(0, 5), 'AAAA'].join('$'))).toBe(
      false,
    );
    expect(await verifyPassword('correct horse battery', ['scrypt', '40', ...parts.slice(2)].join('$'))).toBe(
      false,
    );
  });

  it('refuses passwords that are too short or absurdly long', async () => {
    await expect(hashPassword('short')).rejects.toThrow(RangeError);
    await expect(hashPassword('x'.repeat(257))).rejects.toThrow(RangeError);
  });
});
