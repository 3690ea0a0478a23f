import type { DirectoryStore } from '../../layers/directory/directory-store';

/** Thrown when an account must not get tokens: Cognito's trigger fails the sign-in or refresh with it. */
export class AccountNotActiveError extends Error {
  override readonly name = 'AccountNotActiveError';
}

export type StaffTokenClaims = { practice_id: string; role: string } | Record<string, never>;

/** What the claims need to read, and nothing more: which practice, and the member's role and status there. */
export type TokenClaimsDirectory = Pick<DirectoryStore, 'getMembership' | 'getStaffStanding'>;

/**
 * The custom claims a staff token carries: the same function runs in Cognito's pre-token-generation trigger
 * and in the local provider. An account with no practice yet gets none (it can only register); a suspended
 * or rejected member gets no tokens at all, so their refresh token stops working. Pending members get their
 * claims, and the API refuses them until they are approved.
 */
export async function staffTokenClaims(
  directory: TokenClaimsDirectory,
  sub: string,
): Promise<StaffTokenClaims> {
  const membership = await directory.getMembership(sub);
  if (!membership) return {};
  const staff = await directory.getStaffStanding(membership.practiceId, sub);
  if (!staff) return {};
  if (staff.status === 'suspended' || staff.status === 'rejected') {
    throw new AccountNotActiveError(`account is ${staff.status}`);
  }
  return { practice_id: staff.practiceId, role: staff.role };
}
