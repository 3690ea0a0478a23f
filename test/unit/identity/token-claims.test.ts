import { describe, expect, it } from 'vitest';
import { AccountNotActiveError, staffTokenClaims } from '../../../functions/identity/token-claims';
import type { DirectoryStore } from '../../../layers/directory/directory-store';
import type { StaffMember } from '../../../layers/directory/model';

function directory(staff?: Partial<StaffMember>, membership = true): DirectoryStore {
  const member: StaffMember = {
    practiceId: 'practice-a',
    sub: 'u1',
    email: 'a@nhs.net',
    name: 'A',
    role: 'clinician',
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...staff,
  };
  const unused = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    getPractice: unused,
    findPracticeByOdsCode: unused,
    listStaff: unused,
    putPractice: unused,
    putStaff: unused,
    createMembership: unused,
    createStaff: unused,
    replaceStaff: unused,
    getMembership: async (sub) =>
      membership && sub === 'u1' ? { sub, practiceId: 'practice-a', createdAt: member.createdAt } : undefined,
    getStaff: async (practiceId, sub) =>
      staff && practiceId === member.practiceId && sub === member.sub ? member : undefined,
  };
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
    expect(await staffTokenClaims(directory(undefined, false), 'u1')).toEqual({});
  });

  it.each(['suspended', 'rejected'] as const)(
    'are refused to a %s member, which stops sign-in and refresh',
    async (status) => {
      await expect(staffTokenClaims(directory({ status }), 'u1')).rejects.toThrow(AccountNotActiveError);
    },
  );
});
