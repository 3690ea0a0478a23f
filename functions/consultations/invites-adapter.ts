import type { PracticeCrypto } from '../../layers/crypto/function-crypto';
import type { StoreAccess } from '../../layers/practice/practice-stores';
import * as z from '../../layers/validation/z';
import type { JoinableInvites } from './joinable-invites';

/**
 * The invite port over issue 10's invite store. TODO(invites branch): replace this stand-in with the
 * adapter over `PracticeInvites`, `InvitePointers` and the invite link key once `invites` is merged.
 */
export const JoinableInvitesConfig = z.object({});
export type JoinableInvitesConfig = z.infer<typeof JoinableInvitesConfig>;

export function joinableInvitesFrom(
  _config: JoinableInvitesConfig,
  _access: StoreAccess,
  _crypto?: PracticeCrypto,
): JoinableInvites {
  const missing = async (): Promise<never> => {
    throw new Error('invites are not built on this branch yet');
  };
  return {
    findByToken: async () => undefined,
    get: async () => undefined,
    verifyCode: missing,
    patientName: async () => undefined,
    addToTimeline: async () => undefined,
    recordOptOut: missing,
  };
}
