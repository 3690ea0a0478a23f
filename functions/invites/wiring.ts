import type { PracticeCrypto } from '../../layers/crypto/function-crypto';
import type { InviteSettings } from './invite-settings';
import type { InviteDeps } from './invites';

/**
 * What every invite route is given from its parsed configuration (plain values; no SDK client here). The
 * routes that read a patient's number add `phoneNumberPolicyParser(config)` themselves.
 */
export function inviteDeps(config: InviteSettings, crypto: PracticeCrypto): InviteDeps {
  return {
    fields: crypto.fields,
    blindIndex: crypto.blindIndex,
    settings: {
      perNumberPerDay: config.INVITE_LIMIT_PER_NUMBER_PER_DAY,
      perUserPerHour: config.INVITE_LIMIT_PER_USER_PER_HOUR,
      perPracticePerDay: config.INVITE_LIMIT_PER_PRACTICE_PER_DAY,
      retentionDays: config.INVITE_RETENTION_DAYS,
    },
  };
}
