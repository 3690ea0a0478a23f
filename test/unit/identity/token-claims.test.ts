import { describe, expect, it } from 'vitest';
import { AccountNotActiveError, staffTokenClaims } from '../../../functions/identity/token-claims';
import type { StaffMember } from '../../../layers/directory/model';
import { directoryWithMember, staffMember } from '../../support/fake-directory';

function directory(staff?: Partial<StaffMember>) {
  return directoryWithMember(staff ? staffMember({ sub: 'u1', ...staff }) : undefined);
}

describe('staff token claims', () => {
  it('carry the practice and role of an active member', async () => {
    expect(await staffTokenClaims(directory({}), 'u1')).toEqual({
      practice_id: 'practice-a',
      role: 'clinician',
    });
  });

  it('carry the practice of a pending member, whom the API then refuses until approval', async () => {
    expect(await staffTokenClaims(directory({ status: 'pending', role: 'receptionist' }), 'u1')).toEqual({
      practice_id: 'practice-a',
      role: 'receptionist',
    });
  });

  it('are empty for an account that has not joined a practice', async () => {
    expect(await staffTokenClaims(directory(), 'u1')).toEqual({});
  });

  it.each(['suspended', 'rejected'] as const)(
    'are refused to a %s member, which stops sign-in and refresh',
    async (status) => {
      await expect(staffTokenClaims(directory({ status }), 'u1')).rejects.toThrow(AccountNotActiveError);
    },
  );
});
