import type { PracticeCrypto } from '../../layers/crypto/function-crypto';
import type { InviteLinkKey } from '../../layers/crypto/invite-link-key';
import type { FunctionSettings } from '../../layers/functions/function-config';
import type { MeetingProvider } from '../../layers/meetings/meeting-provider';
import type { StoreAccess } from '../../layers/practice/practice-stores';
import type { ConsultationSettings } from './consultation-settings';
import type { ConsultationDeps } from './consultations';
import { joinableInvitesFrom } from './invites-adapter';

/** What every consultation and join handler builds at cold start, from its parsed configuration. */
export function consultationDeps(
  config: FunctionSettings & Partial<ConsultationSettings>,
  access: StoreAccess,
  options: { meetings?: MeetingProvider; crypto?: PracticeCrypto; linkKey?: InviteLinkKey } = {},
): ConsultationDeps {
  return {
    invites: joinableInvitesFrom(access, {
      ...(options.crypto ? { crypto: options.crypto } : {}),
      ...(options.linkKey ? { linkKey: options.linkKey } : {}),
    }),
    pointers: access.consultationPointers(),
    storesOf: (practiceId) => access.practice(practiceId),
    ...(options.meetings ? { meetings: options.meetings } : {}),
    ...(options.crypto ? { fields: options.crypto.fields } : {}),
    stage: config.STAGE,
    ...(config.CONSULTATION_GRACE_SECONDS ? { graceMs: config.CONSULTATION_GRACE_SECONDS * 1000 } : {}),
  };
}
